import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents, verifyAuditChain } from '../db/repositories/audit';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { seedEvaluatedSession, type EvaluatedSession } from '../testing/evaluated-session-fixture';
import { eraseSession } from './session-erasure';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(() => h?.close());

/** Rows of the session in every table, counted by the superuser (no RLS in the way). */
async function rowsLeft(sessionId: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: h.tdb.url });
  await c.connect();
  try {
    const out: Record<string, number> = {};
    for (const t of ['sessions', 'participants', 'recordings', 'evaluations', 'transcripts', 'analyses', 'reports']) {
      const col = t === 'sessions' ? 'id' : 'session_id';
      out[t] = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE ${col} = $1`, [sessionId])).rows[0]!.n;
    }
    out.consents = (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM consents c WHERE NOT EXISTS (SELECT 1 FROM participants p WHERE p.id = c.participant_id)')).rows[0]!.n;
    return out;
  } finally {
    await c.end();
  }
}

const del = (id: string, token: string) => fetch(`${h.url}/v1/sessions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });

async function blobsPresent(orgId: string, s: EvaluatedSession) {
  return Promise.all([s.recording, s.report, s.artefact].map((b) => h.blobs.exists(orgId, b.uri)));
}

describe('DELETE /v1/sessions/:id', () => {
  it('erases the session, its rows and blobs, for its owner, and leaves one audit entry in a verifying chain', async () => {
    const owner = await h.user('clinician');
    const s = await seedEvaluatedSession(h.tdb.db, h.blobs, owner.orgId, owner.userId);
    const kept = await seedEvaluatedSession(h.tdb.db, h.blobs, owner.orgId, owner.userId);
    expect(await blobsPresent(owner.orgId, s)).toEqual([true, true, true]);
    expect((await rowsLeft(s.sessionId)).transcripts).toBe(1);

    const r = await del(s.sessionId, owner.token);
    expect(r.status).toBe(204);
    expect(await rowsLeft(s.sessionId)).toEqual({ sessions: 0, participants: 0, recordings: 0, evaluations: 0, transcripts: 0, analyses: 0, reports: 0, consents: 0 });
    expect(await blobsPresent(owner.orgId, s)).toEqual([false, false, false]);
    expect((await fetch(`${h.url}/v1/sessions/${s.sessionId}`, { headers: { authorization: `Bearer ${owner.token}` } })).status).toBe(404);
    // The other session of the same owner is untouched.
    expect(await blobsPresent(owner.orgId, kept)).toEqual([true, true, true]);
    expect((await rowsLeft(kept.sessionId)).reports).toBe(1);

    const audit = await h.tdb.db.withOrg(owner.orgId, (tx) => listAuditEvents(tx));
    expect(audit.filter((e) => e.action === 'session.erased')).toEqual([
      expect.objectContaining({ actorUserId: owner.userId, targetType: 'session', targetId: s.sessionId, data: { reason: 'user_request', recordings: 1, evaluations: 1, reports: 1, terminated: 0 } }),
    ]);
    expect(await h.tdb.db.withOrg(owner.orgId, (tx) => verifyAuditChain(tx))).toMatchObject({ ok: true });
    expect((await del(s.sessionId, owner.token)).status).toBe(404);
  });

  it('erases nothing while a running evaluation cannot be stopped (Temporal unreachable): 503 upstream.unavailable', async () => {
    const owner = await h.user('clinician');
    const s = await seedEvaluatedSession(h.tdb.db, h.blobs, owner.orgId, owner.userId);
    const c = new pg.Client({ connectionString: h.tdb.url });
    await c.connect();
    await c.query("UPDATE evaluations SET status = 'running' WHERE session_id = $1", [s.sessionId]);
    await c.end();
    const unreachable = { terminate: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:7233')) };
    await expect(eraseSession(h.tdb.db, h.blobs, { orgId: owner.orgId, userId: owner.userId }, s.sessionId, unreachable)).rejects.toMatchObject({ code: 'upstream.unavailable', status: 503 });
    expect((await rowsLeft(s.sessionId)).evaluations).toBe(1);
    expect(await blobsPresent(owner.orgId, s)).toEqual([true, true, true]);
  });

  it('lets an org admin erase it, but not a supervisor, an auditor, another clinician or another org', async () => {
    const owner = await h.user('clinician');
    const s = await seedEvaluatedSession(h.tdb.db, h.blobs, owner.orgId, owner.userId);
    const supervisor = await h.user('supervisor', owner.orgId);
    await h.assign(owner.orgId, supervisor.userId, owner.userId);
    const auditor = await h.user('auditor', owner.orgId);
    const colleague = await h.user('clinician', owner.orgId);
    const stranger = await h.user('org_admin');
    expect((await del(s.sessionId, supervisor.token)).status).toBe(403);
    expect((await del(s.sessionId, auditor.token)).status).toBe(403);
    expect([403, 404]).toContain((await del(s.sessionId, colleague.token)).status);
    expect((await del(s.sessionId, stranger.token)).status).toBe(404);
    expect(await blobsPresent(owner.orgId, s)).toEqual([true, true, true]);
    expect((await rowsLeft(s.sessionId)).sessions).toBe(1);
    const admin = await h.user('org_admin', owner.orgId);
    expect((await del(s.sessionId, admin.token)).status).toBe(204);
    expect((await rowsLeft(s.sessionId)).sessions).toBe(0);
  });
});
