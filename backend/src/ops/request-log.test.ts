import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { createLogger } from '../runtime/log';
import { captureLogLines } from '../testing/log-capture';

describe('API request logs', () => {
  const { lines, raw, sink } = captureLogLines();
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ log: createLogger('info', sink).child('api'), trustedProxies: [] });
  });
  afterAll(() => h.close());

  it('returns a new X-Request-Id and logs the request under it, without its query or headers', async () => {
    const u = await h.user('clinician');
    const r = await fetch(`${h.url}/v1/me?secret=query-value`, { headers: { authorization: `Bearer ${u.token}` } });
    expect(r.status).toBe(200);
    const id = r.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = lines.find((l) => l.req?.id === id);
    expect(line).toMatchObject({ level: 30, component: 'api', req: { path: '/v1/me' } });
    expect(JSON.stringify(line)).not.toContain('query-value');
    expect(JSON.stringify(line)).not.toContain(u.token);
  });

  it('ignores an X-Request-Id from a client that is not a trusted proxy', async () => {
    const r = await fetch(`${h.url}/v1/me`, { headers: { 'x-request-id': 'forged-by-client-1234' } });
    expect(r.headers.get('x-request-id')).not.toBe('forged-by-client-1234');
  });

  it('keeps the X-Request-Id of a trusted proxy', async () => {
    const proxied = await startApiHarness({ trustedProxies: ['loopback'] });
    try {
      const r = await fetch(`${proxied.url}/v1/me`, { headers: { 'x-request-id': 'from-the-proxy-5678' } });
      expect(r.headers.get('x-request-id')).toBe('from-the-proxy-5678');
    } finally {
      await proxied.close();
    }
  });

  it('logs an unhandled error at level error with its request id', async () => {
    const u = await h.user('clinician');
    await h.tdb.db.close(); // every later query fails: sign-in becomes an internal error
    const r = await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${u.token}` } });
    expect(r.status).toBe(500);
    const id = r.headers.get('x-request-id')!;
    const unhandled = lines.find((l) => l.msg === 'unhandled error');
    expect(unhandled).toMatchObject({ level: 50, reqId: id });
    expect(lines.find((l) => l.req?.id === id && l.msg.startsWith('GET /v1/me'))).toMatchObject({ level: 50 });
    // JSON.parse keeps the last of two `level` keys: count them in the raw lines.
    expect(raw.length).toBeGreaterThan(0);
    for (const l of raw) expect(l.match(/"level":/g)).toHaveLength(1);
  });
});
