import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNAL_PATH } from '../../../app/contracts/signaling';
import { CSRF_COOKIE, CSRF_HEADER, WEB_SESSION_COOKIE } from '../../../app/contracts/web-session-api';
import { addApiToken, createUser } from '../db/repositories/identity';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { upgradeAnswer } from '../testing/ws-upgrade';
import { seedEvaluatedSession } from '../testing/evaluated-session-fixture';
import { createConsentedSession, createInvite, joinAsGuest, jsonCall } from '../signaling/signaling-fixtures';
import { EVENTS_PATH } from '../api/events-hub';
import { UPLOADS_PATH } from '../uploads/recording-upload';
import { fullPathOf, routeRule, type RouteRule } from '../api/route-table';
import { issueScimCredential } from '../scim/scim-credential';
import { buildOpenApiDocument } from '../api/openapi';
import { ACCESS_ACTIONS } from './access-policy';
import { ACTORS, AUDITED_READS, COOKIE_MATRIX, HTTP_MATRIX, QUERY_TOKEN_ROUTES, cookieCell, SEES_OWNERS_SESSION, REFUSALS, TUS_MATRIX, WS_MATRIX, describeCell, type Actor, type Cell, type CookieKey, type HttpRouteKey } from './access-matrix';

/**
 * Runs every cell of access-matrix.ts against the real API (express, tus, ws) on a real
 * PostgreSQL with the real OPA access policy. Each cell gets a fresh session of the owner (and,
 * for the guest, an invite to that very session redeemed at /v1/join), so an allowed change in
 * one cell never leaks into the next.
 */

let h: ApiHarness;
let tokens: Record<Exclude<Actor, 'guest'>, string>;
let owner: { orgId: string; userId: string; token: string };
/** Superuser: reads the audit rows of every org (a refusal is recorded in the caller's org). */
let su: pg.Client;

beforeAll(async () => {
  h = await startApiHarness({ admin: true });
  su = new pg.Client({ connectionString: h.tdb.url });
  await su.connect();
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
    auditor: (await h.user('auditor', org)).token,
    org_admin: (await h.user('org_admin', org)).token,
    no_role: noRoleToken,
    other_org_user: (await h.user('clinician')).token,
  };
});
afterAll(async () => {
  await su?.end();
  await h?.close();
});

/** A refusal by the access policy (not by sign-in): the policy asks for every one to be audited. */
const deniedByPolicy = (cell: Cell) => 'refuse' in cell && (cell.refuse === 'auth.forbidden' || cell.refuse === 'session.not_found' || cell.refuse === 'upload.not_found');

/** The audit rows the access decisions left on a session for one action. */
async function accessAudit(sessionId: string, action: string): Promise<string[]> {
  const { rows } = await su.query<{ action: string }>("SELECT action FROM audit_events WHERE target_id = $1 AND data->>'action' = $2 AND action LIKE 'access.%'", [sessionId, action]);
  return rows.map((r) => r.action);
}

/** The newest audit row a user's actions left (0 for none). */
async function lastAuditSeq(userId: string): Promise<number> {
  const { rows } = await su.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM audit_events WHERE actor_user_id = $1', [userId]);
  return Number(rows[0]?.seq ?? 0);
}

/** The session ids named by each session.list audit row of a user after `afterSeq`. */
async function listReads(userId: string, afterSeq: number): Promise<string[][]> {
  const { rows } = await su.query<{ ids: string[] }>("SELECT data->'sessionIds' AS ids FROM audit_events WHERE actor_user_id = $1 AND seq > $2 AND action = 'access.granted' AND target_type = 'org' AND data->>'action' = 'session.list' ORDER BY seq", [userId, afterSeq]);
  return rows.map((r) => r.ids);
}

type Observed = { status: number; code?: string };

/** Does what the API answered match the cell? (A public cell is checked against the anonymous answer by the caller.) */
function matches(cell: Cell, got: Observed): boolean {
  if ('public' in cell) throw new Error('public cells are compared with the anonymous answer');
  if ('refuse' in cell) return got.status === REFUSALS[cell.refuse] && got.code === cell.refuse;
  // An allowed 2xx has no problem code; an allowed non-2xx is the route's own refusal, by code.
  return got.status === cell.allow && (cell.code === undefined ? got.status < 300 : got.code === cell.code);
}
const show = (o: Observed) => `${o.status}${o.code ? ` ${o.code}` : ''}`;

/** The owner's session a cell acts on, and the token of the actor for it (the guest's is for that very session). */
async function sessionFor(kind: 'consented' | 'evaluated'): Promise<string> {
  if (kind === 'evaluated') return (await seedEvaluatedSession(h.tdb.db, h.blobs, owner.orgId, owner.userId)).sessionId;
  return createConsentedSession(h.url, owner.token);
}
async function tokenFor(actor: Actor, sessionId: string): Promise<string> {
  if (actor !== 'guest') return tokens[actor];
  // Invites need a session without a recording; an evaluated one gets its guest through a twin session of the owner.
  const invited = (await h.tdb.db.withOrg(owner.orgId, (tx) => tx.query<{ n: number }>('SELECT count(*)::int AS n FROM recordings WHERE session_id = $1', [sessionId]))).rows[0]!.n === 0 ? sessionId : await createConsentedSession(h.url, owner.token);
  const invite = await createInvite(h.url, owner.token, invited);
  return (await joinAsGuest(h.url, invite.code)).guestToken;
}

/** What each route is called with: the request a legitimate caller would make. */
interface RouteRequest {
  session?: 'consented' | 'evaluated';
  body?: unknown;
  /** Path parameters other than the session's :id. */
  params?: () => Record<string, string>;
  query?: string;
  /** The route revokes the token it is called with: a throwaway token of the same user is used. */
  signsOut?: boolean;
}
const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
const REQUESTS: Partial<Record<HttpRouteKey, RouteRequest>> = {
  'POST /v1/sessions': {
    body: { title: 'Visit', rubricId: 'motivational-interviewing', participants: [{ channel: 0, displayName: 'Dr A', roleLabel: 'Clinician', consent }, { channel: 1, displayName: 'Pat B', roleLabel: 'Patient', consent }] },
  },
  'POST /v1/sessions/:id/consents': { body: { channel: 1, consent } },
  'POST /v1/sessions/:id/evaluations': { body: {} },
  'GET /v1/sessions/:id/analysis': { session: 'evaluated' },
  'GET /v1/sessions/:id/report.pdf': { session: 'evaluated' },
  'GET /v1/sessions/:id/recording': { session: 'evaluated' },
  'PUT /v1/admin/ai/budgets': { body: { scope: 'org', period: 'day', capMicros: 1_000_000 } },
  'DELETE /v1/admin/ai/budgets/:id': { params: () => ({ id: randomUUID() }) },
  'PUT /v1/admin/ai/policy': { body: {} },
  'PUT /v1/admin/session-lifetimes': { body: { accessTtlSec: null, refreshIdleSec: null, refreshAbsoluteSec: null } },
  'POST /v1/admin/ai/credentials': { body: { name: 'matrix' } },
  'DELETE /v1/admin/ai/credentials/:id': { params: () => ({ id: randomUUID() }) },
  'POST /v1/auth/oidc/logout': { signsOut: true },
  'POST /v1/join': { body: { code: 'ABCD-EFGH', displayName: 'X', consent: { given: true } } },
  'POST /v1/auth/refresh': { body: { refreshToken: 'fe_rt_not-a-token' } },
  'POST /v1/auth/revoke': { body: { refreshToken: 'fe_rt_not-a-token' } },
  'GET /v1/auth/saml/:org/metadata': { params: () => ({ org: owner.orgId }) },
  'GET /v1/auth/saml/:org/start': { params: () => ({ org: owner.orgId }) },
  'POST /v1/auth/saml/:org/acs': { params: () => ({ org: owner.orgId }) },
  'GET /v1/updates/:channel/:org/:install/:file': { params: () => ({ channel: 'stable', org: owner.orgId, install: randomUUID(), file: 'latest.yml' }) },
};

async function throwawayToken(of: string): Promise<string> {
  const me = (await jsonCall(h.url, 'GET', '/v1/me', of)).json as { orgId: string; userId: string } | null;
  if (!me?.userId) return of;
  const token = `t-${randomBytes(16).toString('hex')}`;
  await h.tdb.db.withOrg(me.orgId, (tx) => addApiToken(tx, { userId: me.userId, token }));
  return token;
}

const keyOf = (r: RouteRule) => `${r.method.toUpperCase()} ${fullPathOf(r)}`;

async function call(method: string, path: string, token: string | null, body: unknown, extraHeaders: Record<string, string> = {}): Promise<Observed> {
  const res = await fetch(`${h.url}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...extraHeaders },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = /json/.test(res.headers.get('content-type') ?? '') && text ? (JSON.parse(text) as { code?: unknown }) : null;
  return { status: res.status, code: typeof json?.code === 'string' ? json.code : undefined };
}

/** A session cookie signed in with `token`, and its CSRF token (none when the token signs nobody in). */
async function cookieHeaders(token: string): Promise<Record<string, string>> {
  const cookie = `${WEB_SESSION_COOKIE}=${token}`;
  const res = await fetch(`${h.url}/v1/auth/web-session`, { headers: { cookie } });
  if (res.status !== 200) return { cookie };
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const csrfCookie = res.headers.getSetCookie().map((c) => c.split(';', 1)[0]!).find((c) => c.startsWith(`${CSRF_COOKIE}=`));
  return { cookie: [cookie, csrfCookie].filter(Boolean).join('; '), [CSRF_HEADER]: csrfToken };
}

/** Every cell of HTTP_MATRIX, the token sent as a bearer header or as the browser's session cookie (+ CSRF). */
async function runHttpMatrix(channel: 'bearer' | 'cookie' | 'query'): Promise<{ failures: string[]; cells: number }> {
  const failures: string[] = [];
  let cells = 0;
  for (const apiRoute of h.api.routes) {
    const route = routeRule(apiRoute);
    const key = keyOf(route) as HttpRouteKey;
    // Public and SCIM routes take no session cookie: run once, with the bearer token.
    if (channel === 'cookie' && route.resource !== 'org' && route.resource !== 'session') continue;
    // The token in the query string: only on the routes a media element calls (decision 027).
    if (channel === 'query' && !('queryToken' in apiRoute && apiRoute.queryToken)) continue;
    const req = REQUESTS[key] ?? {};
    const body = req.body ?? (route.method === 'get' || route.method === 'delete' ? undefined : {});
    for (const actor of ACTORS) {
      const cell = channel === 'cookie' ? cookieCell(key, actor, HTTP_MATRIX[key][actor]) : HTTP_MATRIX[key][actor];
      const sessionId = route.resource === 'session' ? await sessionFor(req.session ?? 'consented') : null;
      const params: Record<string, string> = { ...(sessionId ? { id: sessionId } : { id: randomUUID() }), ...req.params?.() };
      const path = fullPathOf(route).replace(/:(\w+)/g, (_, p: string) => params[p] ?? `:${p}`) + (req.query ?? '');
      let token = await tokenFor(actor, sessionId ?? (await createConsentedSession(h.url, owner.token)));
      if (req.signsOut) token = await throwawayToken(token);
      const got =
        channel === 'cookie' ? await call(route.method.toUpperCase(), path, null, body, await cookieHeaders(token))
        : channel === 'query' ? await call(route.method.toUpperCase(), `${path}${path.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}`, null, body)
        : await call(route.method.toUpperCase(), path, token, body);
      cells++;
      const who = `${key} as ${actor}${channel === 'bearer' ? '' : ` (${channel})`}`;
      if ('public' in cell) {
        // A public route ignores the bearer token: the same answer as without one.
        const anonymous = await call(route.method.toUpperCase(), path, null, body);
        if (got.status !== anonymous.status || got.code !== anonymous.code || got.status >= 500) failures.push(`${who}: want the anonymous answer ${show(anonymous)}, got ${show(got)}`);
      } else if (!matches(cell, got)) {
        failures.push(`${who}: want ${describeCell(cell)}, got ${show(got)}`);
      } else if (sessionId && route.action) {
        const want = deniedByPolicy(cell) ? 'access.denied' : 'allow' in cell && AUDITED_READS.includes(key) ? 'access.granted' : null;
        const audited = await accessAudit(sessionId, route.action);
        if (want && !audited.includes(want)) failures.push(`${who}: want an ${want} audit row for ${route.action}, got [${audited.join(', ')}]`);
      }
    }
  }
  return { failures, cells };
}

/** tus Upload-Metadata of a 4-byte recording of the session. */
const meta = (sessionId: string) => `sessionId ${Buffer.from(sessionId).toString('base64')},sha256 ${Buffer.from('a'.repeat(64)).toString('base64')},filename ${Buffer.from('r.wav').toString('base64')}`;

async function observe(res: Response): Promise<Observed> {
  const text = await res.text();
  let code: string | undefined;
  try {
    code = text ? (JSON.parse(text) as { code?: string }).code : undefined;
  } catch {
    code = undefined;
  }
  // tus's own 404 (an upload it does not know of, or HEAD, which has no body) is upload.not_found.
  return { status: res.status, code: code ?? (res.status === 404 ? 'upload.not_found' : undefined) };
}

describe('access matrix', () => {
  it('has one row per route of the route table and of the OpenAPI document, no more, and the policy knows every action', () => {
    const rows = Object.keys(HTTP_MATRIX).sort();
    const table = h.api.routes.map((r) => keyOf(routeRule(r))).sort();
    const doc = buildOpenApiDocument('http://x') as unknown as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`))
      // tus is no express route: its actions are rows of TUS_MATRIX.
      .filter((d) => !(d in TUS_MATRIX))
      .sort();
    expect(table).toEqual(rows);
    expect(documented).toEqual(rows);
    for (const action of ACCESS_ACTIONS) {
      const d = h.api.authorizer.engine.decide(action, { kind: 'user', orgId: owner.orgId, userId: owner.userId, roles: [], supervisees: [] }, { type: 'org', orgId: owner.orgId });
      expect(d.reasons.join(' '), action).not.toMatch(/is not known/);
    }
  });

  it('answers every HTTP route × actor as the matrix says (bearer token)', async () => {
    const { failures, cells } = await runHttpMatrix('bearer');
    expect(failures).toEqual([]);
    expect(cells).toBe(Object.keys(HTTP_MATRIX).length * ACTORS.length);
  });

  it('answers the same through the browser\'s session cookie with its CSRF token (cookieCell)', async () => {
    const { failures, cells } = await runHttpMatrix('cookie');
    expect(failures).toEqual([]);
    expect(cells).toBeGreaterThan(25 * ACTORS.length);
  });

  it('answers the same with the token in ?access_token= on the routes that take it (a media element\'s GET)', async () => {
    const takesQuery = h.api.routes.filter((r) => 'queryToken' in r && r.queryToken).map((r) => keyOf(routeRule(r)));
    expect(takesQuery.sort()).toEqual([...QUERY_TOKEN_ROUTES].sort());
    const { failures, cells } = await runHttpMatrix('query');
    expect(failures).toEqual([]);
    expect(cells).toBe(QUERY_TOKEN_ROUTES.length * ACTORS.length);
  });

  it('refuses every state-changing route signed in by the cookie without its CSRF token (403 auth.csrf_invalid), for every actor', async () => {
    const failures: string[] = [];
    for (const route of h.api.routes.map(routeRule).filter((r) => r.resource === 'org' || r.resource === 'session').filter((r) => r.method !== 'get')) {
      for (const actor of ACTORS) {
        const sessionId = await createConsentedSession(h.url, owner.token);
        const path = fullPathOf(route).replace(':id', route.resource === 'session' ? sessionId : randomUUID());
        const got = await call(route.method.toUpperCase(), path, null, REQUESTS[keyOf(route) as HttpRouteKey]?.body ?? {}, { cookie: `${WEB_SESSION_COOKIE}=${await tokenFor(actor, sessionId)}` });
        if (got.status !== 403 || got.code !== 'auth.csrf_invalid') failures.push(`${keyOf(route)} as ${actor}: want 403 auth.csrf_invalid, got ${show(got)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('lists the owner\'s session to those who may read it, and to nobody else', async () => {
    const sessionId = await createConsentedSession(h.url, owner.token);
    const failures: string[] = [];
    for (const [actor, shows] of Object.entries(SEES_OWNERS_SESSION) as [Exclude<Actor, 'guest'>, boolean][]) {
      const me = await jsonCall(h.url, 'GET', '/v1/me', tokens[actor]);
      const userId = me.status === 200 ? String(me.json.userId) : null;
      const since = userId ? await lastAuditSeq(userId) : 0;
      const r = await jsonCall(h.url, 'GET', '/v1/sessions', tokens[actor]);
      const ids = r.status === 200 ? (r.json as { sessions: { id: string }[] }).sessions.map((s) => s.id) : [];
      if (ids.includes(sessionId) !== shows) failures.push(`${actor}: want ${shows ? 'listed' : 'not listed'}, got ${r.status} ${ids.includes(sessionId) ? 'listed' : 'not listed'}`);
      // The participants' names were read: one access.granted row for this request, naming exactly the sessions returned.
      if (ids.length > 0) {
        const rows = userId ? await listReads(userId, since) : [];
        if (rows.length !== 1 || JSON.stringify(rows[0]) !== JSON.stringify(ids)) failures.push(`${actor}: want one session.list audit row naming [${ids.join(', ')}], got ${JSON.stringify(rows)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('sends the events of the owner\'s session to the subscribers who may read it, and to nobody else', async () => {
    const sessionId = await createConsentedSession(h.url, owner.token);
    const actors = Object.keys(SEES_OWNERS_SESSION) as Exclude<Actor, 'guest'>[];
    const received = new Map<Actor, string[]>(actors.map((a) => [a, []]));
    const sockets = await Promise.all(actors.map((a) => subscribe(tokens[a], (sid) => received.get(a)!.push(sid))));
    const event = { type: 'evaluation', sessionId, evaluationId: randomUUID(), status: 'running', step: 'transcribe', progress: 0.5, error: null } as const;
    await h.api.hub.publish(owner.orgId, event);
    await new Promise((r) => setTimeout(r, 300));
    for (const ws of sockets) ws.close();
    const failures = actors.filter((a) => received.get(a)!.includes(sessionId) !== SEES_OWNERS_SESSION[a]).map((a) => `${a}: want ${SEES_OWNERS_SESSION[a] ? 'the events' : 'no event'}, got ${received.get(a)!.length}`);
    expect(failures).toEqual([]);
  });

  it('opens the SCIM routes to the org\'s SCIM credential (which passes every one of them)', async () => {
    const credential = await issueScimCredential(h.tdb.db, owner.orgId, {});
    const failures: string[] = [];
    for (const route of h.api.routes.map(routeRule).filter((r) => r.resource === 'scim')) {
      const path = fullPathOf(route).replace(':id', randomUUID());
      const r = await jsonCall(h.url, route.method.toUpperCase(), path, credential, route.method === 'get' || route.method === 'delete' ? undefined : {});
      if (r.status === 401 || r.status === 403 || r.status >= 500) failures.push(`${keyOf(route)} with the SCIM credential: got ${r.status} ${String(r.json?.code)}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers the tus upload actions × actor as the matrix says', async () => {
    const failures: string[] = [];
    const tus = (method: string, url: string, token: string, headers: Record<string, string> = {}) =>
      fetch(url, { method, headers: { 'Tus-Resumable': '1.0.0', authorization: `Bearer ${token}`, ...headers } });
    for (const actor of ACTORS) {
      const sessionId = await createConsentedSession(h.url, owner.token);
      const token = await tokenFor(actor, sessionId);
      const created = await observe(await tus('POST', `${h.url}${UPLOADS_PATH}`, token, { 'Upload-Length': '100', 'Upload-Metadata': meta(sessionId) }));
      const want = TUS_MATRIX['POST /v1/uploads'][actor];
      if (!matches(want, created)) failures.push(`POST /v1/uploads as ${actor}: want ${describeCell(want)}, got ${show(created)}`);
      else if (deniedByPolicy(want) && !(await accessAudit(sessionId, 'upload.create')).includes('access.denied')) failures.push(`POST /v1/uploads as ${actor}: no access.denied audit row`);
      for (const method of ['PATCH', 'HEAD', 'DELETE'] as const) {
        const key = `${method} /v1/uploads/:id` as const;
        const upload = await createConsentedSession(h.url, owner.token);
        const asActor = await tokenFor(actor, upload);
        const mine = await tus('POST', `${h.url}${UPLOADS_PATH}`, owner.token, { 'Upload-Length': '4', 'Upload-Metadata': meta(upload) });
        expect(mine.status).toBe(201);
        const url = new URL(mine.headers.get('location')!, h.url).toString();
        const headers: Record<string, string> = method === 'PATCH' ? { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' } : {};
        const res = await fetch(url, { method, headers: { 'Tus-Resumable': '1.0.0', authorization: `Bearer ${asActor}`, ...headers }, body: method === 'PATCH' ? new Uint8Array([1, 2]) : undefined });
        const got = await observe(res);
        const cell = TUS_MATRIX[key][actor];
        // HEAD has no body: its refusals are told apart by status alone.
        const ok = method === 'HEAD' && 'refuse' in cell ? got.status === REFUSALS[cell.refuse] : matches(cell, got);
        if (!ok) failures.push(`${key} as ${actor}: want ${describeCell(cell)}, got ${show(got)}`);
        else if (deniedByPolicy(cell) && !(await accessAudit(upload, `upload.${method === 'HEAD' ? 'head' : method.toLowerCase()}`)).includes('access.denied')) failures.push(`${key} as ${actor}: no access.denied audit row`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers the WebSocket upgrades × actor as the matrix says', async () => {
    const failures: string[] = [];
    for (const actor of ACTORS) {
      const sessionId = await createConsentedSession(h.url, owner.token);
      const token = await tokenFor(actor, sessionId);
      const events = await openEvents(token);
      const ec = WS_MATRIX['WS /v1/events'][actor];
      if (!matches(ec, events)) failures.push(`WS /v1/events as ${actor}: want ${describeCell(ec)}, got ${show(events)}`);
      const seat = await takeSeat(sessionId, token);
      const sc = WS_MATRIX['WS /v1/signal?session=:id'][actor];
      if (!matches(sc, seat)) failures.push(`WS /v1/signal as ${actor}: want ${describeCell(sc)}, got ${show(seat)}`);
      else if (deniedByPolicy(sc) && !(await accessAudit(sessionId, 'call.join_owner')).includes('access.denied')) failures.push(`WS /v1/signal as ${actor}: no access.denied audit row`);
    }
    expect(failures).toEqual([]);
  });

  it('answers tus and the WebSockets signed in by the session cookie alone as COOKIE_MATRIX says (CSRF on tus, Origin on /v1/events)', async () => {
    const failures: string[] = [];
    const webOrigin = new URL(h.url).origin;
    const check = (key: CookieKey, actor: Actor, got: Observed, headOnly = false) => {
      const cell = COOKIE_MATRIX[key][actor];
      const ok = headOnly && 'refuse' in cell ? got.status === REFUSALS[cell.refuse] : matches(cell, got);
      if (!ok) failures.push(`${key} as ${actor}: want ${describeCell(cell)}, got ${show(got)}`);
      return ok && deniedByPolicy(cell);
    };
    for (const actor of ACTORS) {
      const sessionId = await createConsentedSession(h.url, owner.token);
      const token = await tokenFor(actor, sessionId);
      const withCsrf = await cookieHeaders(token);
      const cookieOnly = { cookie: `${WEB_SESSION_COOKIE}=${token}` };
      const create = (headers: Record<string, string>) => fetch(`${h.url}${UPLOADS_PATH}`, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '4', 'Upload-Metadata': meta(sessionId), ...headers } });
      if (check('POST /v1/uploads (cookie + CSRF)', actor, await observe(await create(withCsrf))) && !(await accessAudit(sessionId, 'upload.create')).includes('access.denied')) failures.push(`POST /v1/uploads (cookie) as ${actor}: no access.denied audit row`);
      check('POST /v1/uploads (cookie, no CSRF)', actor, await observe(await create(cookieOnly)));
      for (const [method, key, headers] of [
        ['PATCH', 'PATCH /v1/uploads/:id (cookie + CSRF)', withCsrf],
        ['PATCH', 'PATCH /v1/uploads/:id (cookie, no CSRF)', cookieOnly],
        ['HEAD', 'HEAD /v1/uploads/:id (cookie)', cookieOnly],
        ['DELETE', 'DELETE /v1/uploads/:id (cookie + CSRF)', withCsrf],
        ['DELETE', 'DELETE /v1/uploads/:id (cookie, no CSRF)', cookieOnly],
      ] as const) {
        const mine = await fetch(`${h.url}${UPLOADS_PATH}`, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', authorization: `Bearer ${owner.token}`, 'Upload-Length': '4', 'Upload-Metadata': meta(sessionId) } });
        expect(mine.status).toBe(201);
        const url = new URL(mine.headers.get('location')!, h.url).toString();
        const patch: Record<string, string> = method === 'PATCH' ? { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' } : {};
        const res = await fetch(url, { method, headers: { 'Tus-Resumable': '1.0.0', ...patch, ...headers }, body: method === 'PATCH' ? new Uint8Array([1, 2]) : undefined });
        const action = `upload.${method.toLowerCase()}`;
        if (check(key, actor, await observe(res), method === 'HEAD') && !(await accessAudit(sessionId, action)).includes('access.denied')) failures.push(`${key} as ${actor}: no access.denied audit row`);
      }
      check('WS /v1/events (cookie, web app origin)', actor, await openEvents(token, { ...cookieOnly, origin: webOrigin }));
      check('WS /v1/events (cookie, other origin)', actor, await openEvents(token, { ...cookieOnly, origin: 'https://evil.example' }));
      check('WS /v1/events (cookie, no origin)', actor, await openEvents(token, cookieOnly));
      check('WS /v1/signal?session=:id (cookie)', actor, await takeSeat(sessionId, token, { ...cookieOnly, origin: webOrigin }));
    }
    expect(failures).toEqual([]);
  });
});

/** An open events socket; `onEvent` gets the session id of every evaluation event (not the greeting). */
function subscribe(token: string, onEvent: (sessionId: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${h.url.replace(/^http/, 'ws')}${EVENTS_PATH}`, { headers: { authorization: `Bearer ${token}` } });
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; sessionId?: string };
      if (m.type === 'evaluation' && m.sessionId) onEvent(m.sessionId);
      else resolve(ws);
    });
    // A refused subscriber (no role, say) is a socket that never opens: it receives nothing.
    ws.on('unexpected-response', () => resolve(ws));
    ws.on('error', reject);
  });
}

/** The events socket: 101 and a first message, or the HTTP refusal of the upgrade. */
function openEvents(token: string, headers: Record<string, string> = { authorization: `Bearer ${token}` }): Promise<Observed> {
  return upgradeAnswer(`${h.url.replace(/^http/, 'ws')}${EVENTS_PATH}`, headers);
}

/** The signaling socket: 101 and `joined`, or the refusal (an upgrade refused over HTTP, or an error message on the socket, mapped to its status). */
function takeSeat(sessionId: string, token: string, headers: Record<string, string> = { authorization: `Bearer ${token}` }): Promise<Observed> {
  return new Promise((resolve) => {
    const url = new URL(SIGNAL_PATH, h.url.replace(/^http/, 'ws'));
    url.searchParams.set('session', sessionId);
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'join' })));
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; code?: string };
      ws.close();
      if (m.type === 'joined') resolve({ status: 101 });
      else if (m.type === 'error') resolve({ status: m.code && m.code in REFUSALS ? REFUSALS[m.code as keyof typeof REFUSALS] : 400, code: m.code });
      else resolve({ status: 0, code: `unexpected ${m.type}` });
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body || '{}') as { code?: string }).code }));
    });
    ws.on('error', () => undefined);
  });
}
