import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SignalCloseCode } from '../../../app/contracts/signaling';
import { getRubric, listRubrics } from '../rubrics/rubric-catalog';
import { createSessionService } from '../sessions/session-service';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { testAbuseLimits } from '../testing/test-abuse-limits';
import { createConsentedSession, createInvite, guestConsent } from '../signaling/signaling-fixtures';
import { createApiServer, type ApiServer } from './http-server';
import { databaseTokenResolver } from './token-resolver';
import { limitKeyOf } from './client-address';
import { loadTestAccessEngine } from '../testing/test-access';

const SIGN_IN = { failures: 5, windowSec: 60 };
const JOIN = { failures: 3, windowSec: 60 };
let h: ApiHarness;
/** A second API process on the same database: limits are shared through PostgreSQL, not memory. */
let second: ApiServer;
let secondUrl: string;
beforeAll(async () => {
  // The test plays a trusted proxy (loopback) so that each test can speak for clients of its own.
  h = await startApiHarness({ limits: { signIn: SIGN_IN, join: JOIN }, trustedProxies: ['loopback'] });
  const sessions = createSessionService({ db: h.tdb.db, blobs: h.tdb.blobStore(path.join(h.dir, 'blobs2')), evaluations: { start: async () => Promise.reject(new Error('none')), terminate: async () => Promise.reject(new Error('none')) }, rubric: (id) => getRubric(id), limits: { maxBytes: 1e6, maxDurationSec: 60 } });
  second = createApiServer({ sessions, db: h.tdb.db, access: await loadTestAccessEngine(), resolver: databaseTokenResolver(h.tdb.db), rubrics: () => listRubrics(), uploadsDir: path.join(h.dir, 'uploads2'), maxUploadBytes: 1e6, limits: testAbuseLimits(h.tdb.db, { signIn: SIGN_IN, join: JOIN }), trustedProxies: ['loopback'], signaling: { db: h.tdb.db, ice: { stunUrls: [], turnUrls: [], turnTtlSec: 3600 }, inviteTtlSec: 3600, guestTokenTtlSec: 3600 } });
  secondUrl = await second.listen(0, '127.0.0.1');
});
afterAll(async () => {
  await second?.close();
  await h?.close();
});

let n = 0;
/** A client address of its own for each test (documentation range 198.51.100.0/24, or 2001:db8::/32). */
const newClient = () => `198.51.100.${++n}`;
const me = (base: string, token: string, client: string) => fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': client } });
const join = (base: string, code: string, client: string) =>
  fetch(`${base}/v1/join`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': client }, body: JSON.stringify({ code, displayName: 'Guesser', consent: guestConsent }) });

function upgrade(path: string, token: string, client: string): Promise<{ status?: number; retryAfter?: string; body?: string; ws: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${h.url.replace(/^http/, 'ws')}${path}`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': client } });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ ws, status: res.statusCode, retryAfter: res.headers['retry-after'], body }));
    });
    ws.once('error', () => undefined);
  });
}

describe('abuse limits (rate-limiter-flexible on PostgreSQL)', () => {
  it('blocks a client after too many failed sign-ins with 429 rate.limited and Retry-After, even for a valid token, and leaves other clients alone', async () => {
    const u = await h.user('clinician');
    const guesser = newClient();
    for (let i = 0; i < SIGN_IN.failures; i++) expect((await me(h.url, `guess-${i}`, guesser)).status).toBe(401);
    const blocked = await me(h.url, `guess-last`, guesser);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(blocked.headers.get('retry-after'))).toBeLessThanOrEqual(SIGN_IN.windowSec);
    expect(await blocked.json()).toMatchObject({ code: 'rate.limited', status: 429, details: { retryAfterSec: expect.any(Number) } });
    // The right token does not get through a block: a blocked guesser learns nothing.
    expect((await me(h.url, u.token, guesser)).status).toBe(429);
    expect((await me(h.url, u.token, newClient())).status).toBe(200);
    // Requests without any token are not guesses.
    const quiet = newClient();
    for (let i = 0; i < SIGN_IN.failures + 2; i++) expect((await fetch(`${h.url}/v1/me`, { headers: { 'x-forwarded-for': quiet } })).status).toBe(401);
    expect((await me(h.url, u.token, quiet)).status).toBe(200);
  });

  it('shares the count between API processes through PostgreSQL and stores only a hash of the address', async () => {
    const guesser = newClient();
    for (let i = 0; i < SIGN_IN.failures; i++) expect((await me(i % 2 ? secondUrl : h.url, `shared-${i}`, guesser)).status).toBe(401);
    expect((await me(secondUrl, 'shared-x', guesser)).status).toBe(429);
    expect((await me(h.url, 'shared-y', guesser)).status).toBe(429);
    const su = new pg.Client({ connectionString: h.tdb.url });
    await su.connect();
    try {
      const { rows } = await su.query<{ key: string; points: number }>('SELECT key, points FROM fe_limits.rate_limits WHERE key = $1', [`auth:${limitKeyOf(guesser)}`]);
      expect(rows[0]!.points).toBeGreaterThan(SIGN_IN.failures);
      const all = await su.query<{ key: string }>('SELECT key FROM fe_limits.rate_limits');
      expect(JSON.stringify(all.rows)).not.toContain('198.51.100');
    } finally {
      await su.end();
    }
  });

  it('counts failed sign-ins on uploads and WebSockets too, and refuses a blocked client there: events 429 with Retry-After, signaling 4429', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const guesser = newClient();
    const tus = (token: string) => fetch(`${h.url}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', 'upload-length': '10', 'x-forwarded-for': guesser, 'upload-metadata': `sessionId ${Buffer.from(sessionId).toString('base64')}` } });
    expect((await tus('upload-guess-1')).status).toBe(401);
    expect((await tus('upload-guess-2')).status).toBe(401);
    expect((await upgrade('/v1/events', 'ws-guess-1', guesser)).status).toBe(401);
    expect((await upgrade('/v1/events', 'ws-guess-2', guesser)).status).toBe(401);
    expect((await me(h.url, 'http-guess', guesser)).status).toBe(401);
    // The sixth failure uses up the allowance.
    expect((await me(h.url, 'http-guess-2', guesser)).status).toBe(429);
    const events = await upgrade('/v1/events', owner.token, guesser);
    expect(events.status).toBe(429);
    expect(Number(events.retryAfter)).toBeGreaterThan(0);
    expect(JSON.parse(events.body!)).toMatchObject({ code: 'rate.limited' });
    expect((await tus(owner.token)).status).toBe(429);
    const signal = await upgrade(`/v1/signal?session=${sessionId}`, owner.token, guesser);
    const closed = await new Promise<number>((r) => signal.ws.once('close', (code) => r(code)));
    expect(closed).toBe(SignalCloseCode.tooManyConnections);
  });

  it('blocks a client after too many wrong invite codes, before the code is looked at, and keeps the right code usable from elsewhere', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const invite = await createInvite(h.url, owner.token, sessionId);
    const guesser = newClient();
    for (let i = 0; i < JOIN.failures; i++) expect(((await (await join(h.url, `WRONGCODE${String(i).padStart(3, '0')}`, guesser)).json()) as { code: string }).code).toBe('invite.invalid');
    expect((await join(h.url, 'WRONGCODE999', guesser)).status).toBe(429);
    const blocked = await join(secondUrl, invite.code, guesser);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).not.toBeNull();
    expect(((await blocked.json()) as { code: string }).code).toBe('rate.limited');
    // Nothing was redeemed by the blocked attempt: the guest, elsewhere, still joins.
    expect((await join(h.url, invite.code, newClient())).status).toBe(201);
  });

  it('ends a block when the window ends', async () => {
    const short = await startApiHarness({ limits: { signIn: { failures: 1, windowSec: 1 } } });
    try {
      const u = await short.user('clinician');
      const get = (token: string) => fetch(`${short.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      expect((await get('nope-1')).status).toBe(401);
      expect((await get('nope-2')).status).toBe(429);
      await new Promise((r) => setTimeout(r, 1300));
      expect((await get(u.token)).status).toBe(200);
    } finally {
      await short.close();
    }
  });
});
