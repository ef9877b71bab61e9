import http from 'node:http';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEXT_PATTERNS } from '../../../app/contracts/text';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';

// Each case is one finding of `npm run fuzz:api` (schemathesis, docs/decisions/014).
let h: ApiHarness;
let token: string;
type Schema = { type?: string; properties?: Record<string, Schema>; required?: string[]; minItems?: number; maxItems?: number; pattern?: string; const?: unknown; enum?: unknown[]; $ref?: string };
let doc: { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> }; parameters?: Array<{ name: string; in: string; schema: Schema }>; responses: Record<string, { content?: Record<string, unknown> }> }>> };

beforeAll(async () => {
  h = await startApiHarness({ admin: true });
  token = (await h.user('clinician')).token;
  doc = JSON.parse(await (await fetch(`${h.url}/openapi.json`)).text());
}, 60_000);
afterAll(async () => h?.close());

/** fetch refuses TRACE: node:http does not. */
function request(method: string, path: string): Promise<{ status: number; allow?: string; type?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${h.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, allow: res.headers.allow, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const bodyOf = (path: string, method = 'post') => doc.paths[path]![method]!.requestBody!.content['application/json']!.schema;

describe('methods a documented path does not declare', () => {
  it('answer 405 with Allow and a problem, not 404 (ST204)', async () => {
    const res = await request('TRACE', '/v1/me');
    expect(res).toMatchObject({ status: 405, allow: 'GET, HEAD', type: expect.stringMatching(/^application\/problem\+json/) });
    expect(JSON.parse(res.body).code).toBe('request.method_not_allowed');
    const session = await request('PUT', '/v1/sessions/9d0b3a4e-5f0e-4a57-9b0e-2f1f6b1b5a10');
    expect(session).toMatchObject({ status: 405, allow: 'GET, DELETE, HEAD' });
  });

  it('answer 405 on the tus endpoint for a method tus does not speak (ST204: tus said 404)', async () => {
    expect(await request('TRACE', '/v1/uploads')).toMatchObject({ status: 405, allow: 'POST, OPTIONS' });
    expect(await request('PATCH', '/v1/uploads')).toMatchObject({ status: 405, allow: 'POST, OPTIONS' });
    expect(await request('TRACE', '/v1/uploads/some-id')).toMatchObject({ status: 405, allow: 'POST, HEAD, PATCH, DELETE, OPTIONS, GET' });
  });

  it('leave undocumented paths at 404', async () => {
    expect((await request('TRACE', '/v1/no-such-thing')).status).toBe(404);
  });
});

describe('tus upload creation', () => {
  it('answers a request without a token 401 auth.missing even when its tus headers are malformed (ST203; tus said 400)', async () => {
    const res = await fetch(`${h.url}/v1/uploads`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '', 'upload-metadata': '' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(await res.text()).code).toBe('auth.missing');
  });

  it('answers a missing Tus-Resumable with 400 problem, where tus said an undocumented 412 (ST201, ST203, ST103)', async () => {
    const res = await fetch(`${h.url}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'upload-length': '0' } });
    expect(res.status).toBe(400);
    expect(JSON.parse(await res.text()).code).toBe('request.invalid');
    const wrong = await fetch(`${h.url}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '0.2.2', 'upload-length': '0' } });
    expect(wrong.status).toBe(400);
  });

  it("documents Upload-Length as digits and tus's plain-text 400 (ST202, ST105)", () => {
    const op = doc.paths['/v1/uploads']!.post!;
    const length = op.parameters!.find((p) => p.name === 'Upload-Length')!;
    expect(new RegExp(length.schema.pattern!).test('')).toBe(false);
    expect(new RegExp(length.schema.pattern!).test('1024')).toBe(true);
    expect(Object.keys(op.responses['400']!.content!)).toEqual(['application/problem+json', 'text/plain']);
  });
});

describe('request schemas say what the server enforces', () => {
  it('request bodies are required (stateful ST202: a POST /v1/sessions without a body was schema-valid)', () => {
    for (const [path, method] of [['/v1/sessions', 'post'], ['/v1/sessions/{id}/consents', 'post'], ['/v1/sessions/{id}/evaluations', 'post'], ['/v1/join', 'post']] as const) {
      expect({ path, required: (doc.paths[path]![method]!.requestBody as { required?: boolean }).required }).toEqual({ path, required: true });
    }
  });

  it('a session has exactly two participants (ST202: [] was schema-valid)', () => {
    const participants = bodyOf('/v1/sessions').properties!.participants!;
    expect(participants).toMatchObject({ minItems: 2, maxItems: 2 });
    // Channel 0 then 1 (ST202: two channel-0 participants were schema-valid).
    const items = (participants as { prefixItems: Schema[] }).prefixItems;
    expect(items.map((p) => p.properties!.channel)).toEqual([{ type: 'number', enum: [0] }, { type: 'number', enum: [1] }]);
  });

  it("a new session's participants each need their consent (ST202: 422 consent.missing for a schema-valid body, so the fuzzer never made a session)", async () => {
    const items = (bodyOf('/v1/sessions').properties!.participants as { prefixItems: Schema[] }).prefixItems;
    for (const p of items) expect(p.required).toContain('consent');
    const res = await fetch(`${h.url}/v1/sessions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: 't', rubricId: 'communication-general', recordedAt: '2026-01-01T00:00:00Z', participants: [{ channel: 0, displayName: 'a', roleLabel: 'r' }, { channel: 1, displayName: 'b', roleLabel: 'r' }] }) });
    expect(await problem(res)).toMatchObject({ status: 422, code: 'consent.missing' });
  });

  it("a guest's join needs their consent, given (ST202: 422 consent.missing for a schema-valid body)", () => {
    const join = bodyOf('/v1/join');
    expect(join.required).toContain('consent');
    expect(join.properties!.consent!.properties!.given).toMatchObject({ enum: [true] });
  });

  it('text fields carry the stored-text rules as patterns (ST202: a control character in consent.textVersion)', async () => {
    const title = bodyOf('/v1/sessions').properties!.title!;
    expect(title.pattern).toBe(TEXT_PATTERNS.line);
    // The documented pattern and the server agree on a title with a control character.
    const bad = 'Follow-up\u0001';
    expect(new RegExp(title.pattern!).test(bad)).toBe(false);
    const res = await fetch(`${h.url}/v1/sessions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: bad }) });
    expect(res.status).toBe(400);
  });
});

describe('parameters say what the route parses them with (ST202 of 2026-12-04)', () => {
  const param = (path: string, method: string, name: string) => doc.paths[path]![method]!.parameters!.find((p) => p.name === name)!.schema as Schema & { format?: string; minLength?: number; anyOf?: Schema[] };

  it('the update feed path: a channel name or version, an org uuid or any, an install uuid (/v1/updates/0/0/0/0 was schema-valid)', async () => {
    const feed = '/v1/updates/{channel}/{org}/{install}/{file}';
    expect(param(feed, 'get', 'install').format).toBe('uuid');
    expect(JSON.stringify(param(feed, 'get', 'org'))).toContain('uuid');
    expect(JSON.stringify(param(feed, 'get', 'channel'))).toContain('pattern');
    expect((await fetch(`${h.url}/v1/updates/0/0/0/0`)).status).toBe(400);
  });

  it('the OIDC callback needs a non-empty state (state= was schema-valid)', async () => {
    expect(param('/v1/auth/oidc/callback', 'get', 'state').minLength).toBe(1);
    expect((await fetch(`${h.url}/v1/auth/oidc/callback?state=`)).status).toBe(400);
  });

  it('the SAML ACS needs a non-empty SAMLResponse (SAMLResponse= was schema-valid)', () => {
    const form = doc.paths['/v1/auth/saml/{org}/acs']!.post!.requestBody!.content['application/x-www-form-urlencoded']!.schema;
    expect((form.properties!.SAMLResponse as { minLength?: number }).minLength).toBe(1);
  });
});

describe('server errors the fuzzer found', () => {
  it('refuses a budget soft-alert fraction below the stored precision with 400, not 500 (ST101: 5e-324 rounded to 0 and broke the CHECK)', async () => {
    const admin = await h.user('org_admin');
    const put = (softAlertFraction: number) => fetch(`${h.url}/v1/admin/ai/budgets`, { method: 'PUT', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'org', period: 'day', capMicros: 9007199254740990, softAlertFraction }) });
    const tiny = await put(5e-324);
    expect(tiny.status).toBe(400);
    expect(JSON.parse(await tiny.text()).code).toBe('request.invalid');
    expect((await put(0.0001)).status).toBe(200);
  });
});

/** Raw bytes on a socket: a request node:http and fetch would refuse to send. */
function rawRequest(bytes: string): Promise<{ status: number; type?: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    const u = new URL(h.url);
    const socket = net.connect(Number(u.port), u.hostname, () => socket.write(bytes));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const type = /^content-type: *(.+)$/im.exec(head)?.[1];
      resolve({ status: Number(head.split(' ')[1]), type, body: body ? JSON.parse(body) : undefined });
    });
  });
}

const post = (path: string, headers: Record<string, string>, body: string | Buffer) => fetch(`${h.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, body });
const problem = async (res: Response) => ({ status: res.status, type: res.headers.get('content-type'), code: ((await res.json()) as { code: string }).code });

describe('requests the server cannot read answer a documented 4xx problem with a stable code', () => {
  it('header fields over the size limit: 431 request.headers_too_large, documented on every operation (ST103, ST201: Node answered 431 with no body)', async () => {
    const res = await rawRequest(`GET /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nRange: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(res).toMatchObject({ status: 431, type: expect.stringMatching(/^application\/problem\+json/), body: { status: 431, code: 'request.headers_too_large' } });
    for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) expect(op.responses['431'], `${method} ${path}`).toBeDefined();
  });

  it('a request that is not HTTP: 400 request.malformed', async () => {
    const res = await rawRequest('GET /v1/sessions HTTP/1.1\r\nHost x\r\n\r\n');
    expect(res).toMatchObject({ status: 400, body: { code: 'request.malformed' } });
  });

  it('a JSON body with a charset the parser does not know: 415 request.unsupported_media_type, not 500', async () => {
    expect(await problem(await post('/v1/sessions', { 'content-type': 'application/json; charset=latin-9' }, '{}'))).toMatchObject({ status: 415, type: expect.stringMatching(/^application\/problem\+json/), code: 'request.unsupported_media_type' });
  });

  it('an unknown Content-Encoding: 415 request.unsupported_media_type, not 500', async () => {
    expect(await problem(await post('/v1/sessions', { 'content-type': 'application/json', 'content-encoding': 'x-unknown' }, '{}'))).toMatchObject({ status: 415, code: 'request.unsupported_media_type' });
  });

  it('a gzip body that does not decompress: 400 request.invalid, not 500', async () => {
    expect(await problem(await post('/v1/sessions', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'not gzip at all'))).toMatchObject({ status: 400, code: 'request.invalid' });
    const ok = await post('/v1/sessions', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync('{}'));
    expect((await problem(ok)).code).toBe('request.invalid');
  });

  it('a path parameter with malformed percent-encoding: 400 request.invalid, not 500', async () => {
    const res = await fetch(`${h.url}/v1/sessions/%zz`, { headers: { authorization: `Bearer ${token}` } });
    expect(await problem(res)).toMatchObject({ status: 400, type: expect.stringMatching(/^application\/problem\+json/), code: 'request.invalid' });
  });

  it('malformed JSON: 400 request.invalid; a NUL byte in a string: 400 request.invalid_text', async () => {
    expect(await problem(await post('/v1/sessions', { 'content-type': 'application/json' }, '{"title":'))).toMatchObject({ status: 400, code: 'request.invalid' });
    expect(await problem(await post('/v1/sessions', { 'content-type': 'application/json' }, JSON.stringify({ title: 'a\u0000b' })))).toMatchObject({ status: 400, code: 'request.invalid_text' });
  });

  it('a body over the JSON limit: 413 request.too_large, documented', async () => {
    expect(await problem(await post('/v1/sessions', { 'content-type': 'application/json' }, JSON.stringify({ title: 'x'.repeat(1_100_000) })))).toMatchObject({ status: 413, code: 'request.too_large' });
    expect(doc.paths['/v1/sessions']!.post!.responses['413']).toBeDefined();
  });
});
