import { randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNAL_PATH } from '../../../app/contracts/signaling';
import { addApiToken, createUser } from '../db/repositories/identity';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { createConsentedSession, jsonCall } from '../signaling/signaling-fixtures';
import { EVENTS_PATH } from '../api/events-hub';
import { UPLOADS_PATH } from '../uploads/recording-upload';
import { fullPathOf, routeRule, type RouteRule } from '../api/route-table';
import { issueScimCredential } from '../scim/scim-credential';
import { ACCESS_ACTIONS, type AccessAction } from './access-policy';
import { buildOpenApiDocument } from '../api/openapi';

/**
 * The access matrix, generated from the API's route table (plus the tus and WebSocket actions):
 * every route × every kind of caller × ownership of the session, against the real API and the
 * real policy. The expectations below are written by hand, per action and caller, independently
 * of access.rego: a route whose action has no row here does not compile, and a route missing
 * from the table fails the OpenAPI comparison.
 */

type Caller = 'owner' | 'other_clinician' | 'assigned_supervisor' | 'unassigned_supervisor' | 'org_admin' | 'auditor' | 'no_role' | 'other_org_clinician';
const CALLERS: Caller[] = ['owner', 'other_clinician', 'assigned_supervisor', 'unassigned_supervisor', 'org_admin', 'auditor', 'no_role', 'other_org_clinician'];
type Outcome = 'allow' | 'forbidden' | 'not_found';

const all = (o: Outcome): Record<Caller, Outcome> => Object.fromEntries(CALLERS.map((c) => [c, o])) as Record<Caller, Outcome>;
/** Org actions: which callers' roles allow them; the rest are 403 (another org's clinician acts in their own org). */
const orgAction = (allowed: Caller[]): Record<Caller, Outcome> => Object.fromEntries(CALLERS.map((c) => [c, allowed.includes(c) ? 'allow' : 'forbidden'])) as Record<Caller, Outcome>;
const CLINICAL: Caller[] = ['owner', 'other_clinician', 'org_admin', 'other_org_clinician'];
const WITH_ROLE: Caller[] = CALLERS.filter((c) => c !== 'no_role');
/** Session actions: callers who may, callers who may see the session but not do this (403); everyone else is told 404. */
const sessionAction = (allowed: Caller[], seeing: Caller[] = []): Record<Caller, Outcome> =>
  Object.fromEntries(CALLERS.map((c) => [c, allowed.includes(c) ? 'allow' : seeing.includes(c) ? 'forbidden' : 'not_found'])) as Record<Caller, Outcome>;
const READERS: Caller[] = ['owner', 'assigned_supervisor', 'org_admin', 'auditor'];
const changes = sessionAction(['owner', 'org_admin'], ['assigned_supervisor', 'auditor']);

const EXPECTED: Record<AccessAction, Record<Caller, Outcome>> = {
  'me.read': all('allow'),
  'rubrics.read': orgAction(WITH_ROLE),
  'session.create': orgAction(CLINICAL),
  'session.list': orgAction(WITH_ROLE),
  'session.read': sessionAction(READERS),
  'session.update': changes,
  'session.consent': changes,
  'session.invite': changes,
  'session.upload': changes,
  'session.evaluate': changes,
  'session.read_transcript': sessionAction(['owner', 'assigned_supervisor', 'org_admin'], ['auditor']),
  'session.read_analysis': sessionAction(['owner', 'assigned_supervisor', 'org_admin'], ['auditor']),
  'session.read_report': sessionAction(READERS),
  'session.delete': changes,
  'upload.create': changes,
  // On an upload the owner created: the uploader, or an org admin.
  'upload.patch': changes,
  'upload.head': changes,
  'upload.delete': changes,
  'call.join_owner': sessionAction(['owner'], ['assigned_supervisor', 'org_admin', 'auditor']),
  'call.join_guest': sessionAction([], READERS),
  'events.subscribe': orgAction(WITH_ROLE),
  'ai_admin.read': orgAction(['org_admin', 'auditor']),
  'ai_admin.write': orgAction(['org_admin']),
  'gateway.call': sessionAction(['owner', 'org_admin'], ['assigned_supervisor', 'auditor']),
};

let h: ApiHarness;
let tokens: Record<Caller, string>;
let owner: { orgId: string; userId: string; token: string };

beforeAll(async () => {
  h = await startApiHarness({ admin: true });
  owner = await h.user('clinician');
  const org = owner.orgId;
  const sup = await h.user('supervisor', org);
  await h.assign(org, sup.userId, owner.userId);
  const noRoleToken = `t-${randomBytes(16).toString('hex')}`;
  await h.tdb.db.withOrg(org, async (tx) => {
    const u = await createUser(tx, { email: `nobody-${randomBytes(3).toString('hex')}@example.test`, displayName: 'No Role' });
    await addApiToken(tx, { userId: u.id, token: noRoleToken });
  });
  tokens = {
    owner: owner.token,
    other_clinician: (await h.user('clinician', org)).token,
    assigned_supervisor: sup.token,
    unassigned_supervisor: (await h.user('supervisor', org)).token,
    org_admin: (await h.user('org_admin', org)).token,
    auditor: (await h.user('auditor', org)).token,
    no_role: noRoleToken,
    other_org_clinician: (await h.user('clinician')).token,
  };
});
afterAll(async () => h?.close());

function outcomeOf(status: number, code: string | undefined): Outcome | `unexpected ${number} ${string}` {
  if (status === 403 && code === 'auth.forbidden') return 'forbidden';
  if (status === 404 && (code === 'session.not_found' || code === 'upload.not_found')) return 'not_found';
  if (status === 401 || status === 403 || status >= 500) return `unexpected ${status} ${code ?? ''}`;
  return 'allow';
}

const sameRule = (a: RouteRule) => `${a.method.toUpperCase()} ${fullPathOf(a)}`;

/** Routes that revoke the caller's token: they are called with a throwaway token of the same user. */
const SIGNS_OUT = new Set(['POST /v1/auth/oidc/logout']);
async function throwawayToken(of: string): Promise<string> {
  const me = (await jsonCall(h.url, 'GET', '/v1/me', of)).json as { orgId: string; userId: string };
  const token = `t-${randomBytes(16).toString('hex')}`;
  await h.tdb.db.withOrg(me.orgId, (tx) => addApiToken(tx, { userId: me.userId, token }));
  return token;
}

describe('access matrix', () => {
  it('covers every route of the OpenAPI document, and the policy knows every action', () => {
    const table = new Set(h.api.routes.map((r) => sameRule(routeRule(r))));
    const doc = buildOpenApiDocument('http://x') as unknown as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`));
    // tus is not an express route; its actions are in the matrix below.
    expect(documented.filter((d) => !table.has(d) && d !== `POST ${UPLOADS_PATH}`)).toEqual([]);
    expect([...table].filter((t) => !documented.includes(t))).toEqual([]);
    for (const action of ACCESS_ACTIONS) {
      const d = h.api.authorizer.engine.decide(action, { kind: 'user', orgId: owner.orgId, userId: owner.userId, roles: [], supervisees: [] }, { type: 'org', orgId: owner.orgId });
      expect(d.reasons.join(' '), action).not.toMatch(/is not known/);
    }
  });

  it('answers every route × caller as the matrix says', async () => {
    const failures: string[] = [];
    let rows = 0;
    for (const route of h.api.routes.map(routeRule)) {
      if (route.resource === 'public' || route.resource === 'scim') continue;
      for (const caller of CALLERS) {
        // A fresh session per row: allowed changes (consents, invites) never leak into the next row.
        const sessionId = route.resource === 'session' ? await createConsentedSession(h.url, owner.token) : randomUUID();
        const path = `/v1${route.path.replace(':id', sessionId)}`;
        const token = SIGNS_OUT.has(sameRule(route)) ? await throwawayToken(tokens[caller]) : tokens[caller];
        const r = await jsonCall(h.url, route.method.toUpperCase(), path, token, route.method === 'get' || route.method === 'delete' ? undefined : {});
        const got = outcomeOf(r.status, r.json?.code as string | undefined);
        const want = EXPECTED[route.action][caller];
        rows++;
        if (got !== want) failures.push(`${route.method.toUpperCase()} ${route.path} as ${caller}: want ${want}, got ${got} (${r.status} ${r.json?.code ?? ''})`);
      }
    }
    expect(failures).toEqual([]);
    expect(rows).toBeGreaterThanOrEqual(24 * CALLERS.length);
  });

  it('opens the SCIM routes to the org\'s SCIM credential only: every user token, whatever its role, is 401', async () => {
    const scimRoutes = h.api.routes.map(routeRule).filter((r) => r.resource === 'scim');
    expect(scimRoutes.length).toBe(12);
    const credential = await issueScimCredential(h.tdb.db, owner.orgId, {});
    const failures: string[] = [];
    for (const route of scimRoutes) {
      const path = fullPathOf(route).replace(':id', randomUUID());
      for (const caller of CALLERS) {
        const r = await jsonCall(h.url, route.method.toUpperCase(), path, tokens[caller], route.method === 'get' || route.method === 'delete' ? undefined : {});
        if (r.status !== 401 || r.json?.code !== 'auth.scim_credential_invalid') failures.push(`${route.method.toUpperCase()} ${path} as ${caller}: want 401, got ${r.status} ${String(r.json?.code)}`);
      }
      // The credential passes the check (then 404 for an unknown id, 400 for an empty body, 200 for a list).
      const r = await jsonCall(h.url, route.method.toUpperCase(), path, credential, route.method === 'get' || route.method === 'delete' ? undefined : {});
      if (r.status === 401 || r.status >= 500) failures.push(`${route.method.toUpperCase()} ${path} with the SCIM credential: got ${r.status} ${String(r.json?.code)}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers the tus upload actions as the matrix says', async () => {
    const failures: string[] = [];
    const meta = (sessionId: string) => `sessionId ${Buffer.from(sessionId).toString('base64')},sha256 ${Buffer.from('a'.repeat(64)).toString('base64')},filename ${Buffer.from('r.wav').toString('base64')}`;
    const tus = (method: string, url: string, token: string, headers: Record<string, string> = {}) =>
      fetch(url, { method, headers: { 'Tus-Resumable': '1.0.0', authorization: `Bearer ${token}`, ...headers } });
    const problem = async (res: Response) => {
      const text = await res.text();
      return outcomeOf(res.status, text ? (JSON.parse(text) as { code?: string }).code : res.status === 404 ? 'upload.not_found' : undefined);
    };
    for (const caller of CALLERS) {
      const sessionId = await createConsentedSession(h.url, owner.token);
      const created = await tus('POST', `${h.url}${UPLOADS_PATH}`, tokens[caller], { 'Upload-Length': '100', 'Upload-Metadata': meta(sessionId) });
      const got = await problem(created);
      if (got !== EXPECTED['upload.create'][caller]) failures.push(`upload.create as ${caller}: want ${EXPECTED['upload.create'][caller]}, got ${got}`);
      for (const [action, method] of [['upload.head', 'HEAD'], ['upload.patch', 'PATCH'], ['upload.delete', 'DELETE']] as const) {
        const mine = await tus('POST', `${h.url}${UPLOADS_PATH}`, owner.token, { 'Upload-Length': '100', 'Upload-Metadata': meta(sessionId) });
        expect(mine.status).toBe(201);
        const url = new URL(mine.headers.get('location')!, h.url).toString();
        const res = await tus(method, url, tokens[caller], method === 'PATCH' ? { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' } : {});
        // HEAD answers have no body: tus' own 404 and ours look alike, which is the point.
        const outcome = method === 'HEAD' ? (res.status === 200 ? 'allow' : res.status === 404 ? 'not_found' : res.status === 403 ? 'forbidden' : `unexpected ${res.status}`) : await problem(res);
        if (outcome !== EXPECTED[action][caller]) failures.push(`${action} as ${caller}: want ${EXPECTED[action][caller]}, got ${outcome} (${res.status})`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers the WebSocket actions (events subscribe, the call\'s owner seat) as the matrix says', async () => {
    const failures: string[] = [];
    for (const caller of CALLERS) {
      const events = await openEvents(tokens[caller]);
      if (events !== EXPECTED['events.subscribe'][caller]) failures.push(`events.subscribe as ${caller}: want ${EXPECTED['events.subscribe'][caller]}, got ${events}`);
      const sessionId = await createConsentedSession(h.url, owner.token);
      const seat = await takeOwnerSeat(sessionId, tokens[caller]);
      if (seat !== EXPECTED['call.join_owner'][caller]) failures.push(`call.join_owner as ${caller}: want ${EXPECTED['call.join_owner'][caller]}, got ${seat}`);
    }
    expect(failures).toEqual([]);
  });
});

function openEvents(token: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${h.url.replace(/^http/, 'ws')}${EVENTS_PATH}`, { headers: { authorization: `Bearer ${token}` } });
    ws.on('message', () => {
      ws.close();
      resolve('allow');
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(String(outcomeOf(res.statusCode ?? 0, (JSON.parse(body || '{}') as { code?: string }).code))));
    });
    ws.on('error', () => undefined);
  });
}

function takeOwnerSeat(sessionId: string, token: string): Promise<string> {
  return new Promise((resolve) => {
    const url = new URL(SIGNAL_PATH, h.url.replace(/^http/, 'ws'));
    url.searchParams.set('session', sessionId);
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'join' })));
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; code?: string };
      ws.close();
      if (m.type === 'joined') resolve('allow');
      else if (m.type === 'error') resolve(String(outcomeOf(m.code === 'session.not_found' ? 404 : m.code === 'auth.forbidden' ? 403 : 400, m.code)));
      else resolve(`unexpected ${m.type}`);
    });
    ws.on('error', () => undefined);
  });
}
