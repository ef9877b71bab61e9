import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDataDir } from '../paths';
import { createEvaluationStore } from '../evaluations/evaluation-store';
import { listAuditEvents, verifyAuditChain } from '../db/repositories/audit';
import { setOrgRetentionSettings } from '../db/repositories/retention';
import { findTemporalCli, startTemporalDevServer, type TemporalDevServer } from '../runtime/temporal-dev-server';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { seedEvaluatedSession } from '../testing/evaluated-session-fixture';
import { seedOrg } from '../testing/test-orgs';
import { getRubric } from '../rubrics/rubric-catalog';
import { ensureRetentionSchedule } from './retention-schedule';
import type { RetentionSweepResult } from './retention-types';
import { createEvaluationWorker } from './worker';

let dir: string;
let temporal: TemporalDevServer;
let t: TestDatabase;
let connection: Connection;
let client: Client;
let worker: Awaited<ReturnType<typeof createEvaluationWorker>>;
let running: Promise<void>;
const taskQueue = `retention-${randomBytes(4).toString('hex')}`;
const defaults = { recordingsDays: 30, transcriptsDays: 365, reportsDays: 365 };

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fe-retention-'));
  temporal = await startTemporalDevServer({ cli: findTemporalCli({ dataDir: defaultDataDir }), dbFile: path.join(dir, 'temporal.db'), namespace: 'default' });
  t = await createTestDatabase();
  const blobs = t.blobStore(path.join(dir, 'blobs'));
  worker = await createEvaluationWorker({
    address: temporal.address,
    namespace: 'default',
    taskQueue,
    // The evaluation activities are registered too (as in the runtime) but not run here.
    deps: {
      blobs,
      store: createEvaluationStore(t.db),
      access: { requireEvaluate: () => Promise.reject(new Error('no evaluation in this test')) },
      gateway: { baseURL: 'http://127.0.0.1:9/v1', credential: () => Promise.reject(new Error('no gateway in this test')), chatModel: 'none', sttModel: 'none' },
      rubric: (id) => getRubric(id),
      limits: { maxBytes: 1, maxDurationSec: 1 },
      workDir: path.join(dir, 'work'),
    },
    retention: { db: t.db, blobs, defaults },
  });
  running = worker.run();
  connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection, namespace: 'default' });
}, 180_000);

afterAll(async () => {
  await worker?.shutdown();
  await running?.catch(() => undefined);
  await connection?.close();
  await temporal?.stop();
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function backdate(table: string, sessionId: string, days: number) {
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  try {
    await c.query(`UPDATE ${table} SET created_at = now() - make_interval(days => $2) WHERE session_id = $1`, [sessionId, days]);
  } finally {
    await c.end();
  }
}

async function runScheduleOnce(scheduleId: string): Promise<RetentionSweepResult> {
  const handle = client.schedule.getHandle(scheduleId);
  await handle.trigger();
  for (let i = 0; i < 300; i++) {
    const d = await handle.describe();
    const action = d.info.recentActions.at(-1);
    if (action) return client.workflow.getHandle(action.action.workflow.workflowId).result() as Promise<RetentionSweepResult>;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the schedule did not start the sweep');
}

describe('retention schedule (real Temporal dev server)', () => {
  it('erases each org’s health data past its own or the default period, and nothing younger', async () => {
    const blobs = t.blobStore(path.join(dir, 'blobs'));
    const a = await seedOrg(t.db, { name: 'Short retention' });
    await t.db.withOrg(a.orgId, (tx) => setOrgRetentionSettings(tx, { recordingsDays: 7, transcriptsDays: 30, reportsDays: null }));
    const old = await seedEvaluatedSession(t.db, blobs, a.orgId, a.userId);
    const fresh = await seedEvaluatedSession(t.db, blobs, a.orgId, a.userId);
    await backdate('recordings', old.sessionId, 10);
    await backdate('transcripts', old.sessionId, 40);
    await backdate('analyses', old.sessionId, 40);
    await backdate('reports', old.sessionId, 40);
    // Org B has no periods of its own: the defaults (30 days for audio) keep its 10-day-old recording.
    const b = await seedOrg(t.db, { name: 'Default retention' });
    const other = await seedEvaluatedSession(t.db, blobs, b.orgId, b.userId);
    await backdate('recordings', other.sessionId, 10);

    const scheduleId = await ensureRetentionSchedule(client, { taskQueue, everySec: 3600, scheduleId: `retention-${randomBytes(3).toString('hex')}` });
    const result = await runScheduleOnce(scheduleId);
    expect(result).toMatchObject({ orgs: 2, recordings: 1, transcripts: 1, analyses: 1, reports: 0 });

    expect(await blobs.exists(a.orgId, old.recording.uri)).toBe(false);
    expect(await blobs.exists(a.orgId, old.artefact.uri)).toBe(false);
    expect(await blobs.exists(a.orgId, old.report.uri)).toBe(true);
    for (const s of [fresh]) for (const ref of [s.recording, s.artefact, s.report]) expect(await blobs.exists(a.orgId, ref.uri)).toBe(true);
    for (const ref of [other.recording, other.artefact, other.report]) expect(await blobs.exists(b.orgId, ref.uri)).toBe(true);

    const rows = await t.db.withOrg(a.orgId, async (tx) => ({
      erased: (await tx.query<{ session_id: string }>('SELECT session_id FROM recordings WHERE erased_at IS NOT NULL')).rows.map((r) => r.session_id),
      transcripts: (await tx.query<{ session_id: string }>('SELECT session_id FROM transcripts')).rows.map((r) => r.session_id),
      analyses: (await tx.query<{ session_id: string }>('SELECT session_id FROM analyses')).rows.map((r) => r.session_id),
      reports: (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM reports')).rows[0]!.n,
    }));
    expect(rows).toEqual({ erased: [old.sessionId], transcripts: [fresh.sessionId], analyses: [fresh.sessionId], reports: 2 });

    const audit = await t.db.withOrg(a.orgId, (tx) => listAuditEvents(tx));
    expect(audit.filter((e) => e.action === 'retention.erased')).toEqual([
      expect.objectContaining({ actorUserId: null, targetType: 'org', targetId: a.orgId, data: expect.objectContaining({ periods: { recordingsDays: 7, transcriptsDays: 30, reportsDays: 365 }, recordings: 1, transcripts: 1, analyses: 1, reports: 0 }) }),
    ]);
    expect(await t.db.withOrg(a.orgId, (tx) => verifyAuditChain(tx))).toMatchObject({ ok: true });
    expect(await t.db.withOrg(b.orgId, (tx) => listAuditEvents(tx))).toEqual([]);

    // A second pass finds nothing left to erase.
    expect(await runScheduleOnce(scheduleId)).toMatchObject({ recordings: 0, transcripts: 0, analyses: 0, reports: 0 });
  }, 120_000);

  it('creates the schedule once and updates its interval on a later start', async () => {
    const scheduleId = `retention-${randomBytes(3).toString('hex')}`;
    await ensureRetentionSchedule(client, { taskQueue, everySec: 3600, scheduleId });
    await ensureRetentionSchedule(client, { taskQueue, everySec: 7200, scheduleId });
    const d = await client.schedule.getHandle(scheduleId).describe();
    expect(d.spec.intervals?.map((i) => i.every)).toEqual([7_200_000]);
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'retentionSweep', taskQueue });
  }, 60_000);
});
