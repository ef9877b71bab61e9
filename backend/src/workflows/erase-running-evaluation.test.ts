import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupWhisperModel } from '../../../scripts/setup/whisper-model';
import { listAuditEvents } from '../db/repositories/audit';
import { defaultDataDir } from '../paths';
import { makeStereoSpeechWav } from '../testing/audio-fixtures';
import { chatCompletion, startOpenAiTestServer, type OpenAiTestServer } from '../testing/openai-test-server';
import { startPipelineHarness, type PipelineHarness } from '../testing/pipeline-harness';
import { callOfRequest, scriptedUnitAnswer } from '../testing/scripted-unit-answers';
import { tusUpload } from '../testing/tus-upload';
import { workflowIdFor } from './evaluation-client';

const RUBRIC = 'communication-general';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-erase-running-'));
let llm: OpenAiTestServer;
let h: PipelineHarness;
let release!: () => void;
const held = new Promise<void>((r) => (release = r));
let heldArrived!: () => void;
const arrived = new Promise<void>((r) => (heldArrived = r));
let answeredAfterRelease = false;

beforeAll(async () => {
  await setupWhisperModel({ dataDir: defaultDataDir });
  // The first section call waits until the test has erased the session; then it is answered.
  llm = await startOpenAiTestServer({
    async respond(req) {
      if (callOfRequest(req.body).startsWith('section:') && llm.requests.filter((r) => callOfRequest(r.body).startsWith('section:')).length === 1) {
        heldArrived();
        await held;
        answeredAfterRelease = true;
      }
      return chatCompletion(JSON.stringify(scriptedUnitAnswer(req.body)));
    },
  });
  h = await startPipelineHarness({ llmBaseUrl: llm.baseURL, inProcessWorker: true });
});
afterAll(async () => {
  release?.();
  await h?.stop();
  await llm?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Rows left of the session (and of its evaluation), counted by the superuser (no RLS in the way). */
async function rowsLeft(sessionId: string, evaluationId: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: h.tdb.url });
  await c.connect();
  try {
    const out: Record<string, number> = {};
    for (const t of ['sessions', 'participants', 'recordings', 'evaluations', 'transcripts', 'analyses', 'reports']) {
      out[t] = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE ${t === 'sessions' ? 'id' : 'session_id'} = $1`, [sessionId])).rows[0]!.n;
    }
    out.evaluationAudit = (await c.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE action IN ('evaluation.completed', 'evaluation.failed') AND data->>'evaluationId' = $1", [evaluationId])).rows[0]!.n;
    return out;
  } finally {
    await c.end();
  }
}

describe('erasing a session while its evaluation runs', () => {
  it('terminates the workflow first, and nothing of the evaluation is written back afterwards', async () => {
    const headers = { authorization: `Bearer ${h.who.token}`, 'content-type': 'application/json' };
    const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
    const session = (await (await fetch(`${h.runtime.apiUrl}/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ title: 'Erase me', rubricId: RUBRIC, participants: [{ channel: 0, displayName: 'Dr. A', roleLabel: 'Clinician', consent }, { channel: 1, displayName: 'B', roleLabel: 'Patient', consent }] }) })).json()) as { id: string };
    const wav = await makeStereoSpeechWav(tmp, {
      left: 'Good morning. What brings you in today? Tell me more about the headaches.',
      right: 'They started about three weeks ago, mostly in the evening after work.',
      gapSec: 0.8,
    });
    expect((await tusUpload({ endpoint: `${h.runtime.apiUrl}/v1/uploads`, token: h.who.token, file: wav.path, sessionId: session.id })).ok).toBe(true);
    const started = (await (await fetch(`${h.runtime.apiUrl}/v1/sessions/${session.id}/evaluations`, { method: 'POST', headers, body: '{}' })).json()) as { evaluation: { id: string } };
    const evaluationId = started.evaluation.id;
    const workflowId = workflowIdFor(evaluationId);
    // The row names the workflow that really runs (it used to store a workflow id nothing ran under).
    const stored = new pg.Client({ connectionString: h.tdb.url });
    await stored.connect();
    const [row] = (await stored.query<{ workflow_id: string }>('SELECT workflow_id FROM evaluations WHERE id = $1', [evaluationId]).finally(() => stored.end())).rows;
    expect(row?.workflow_id).toBe(workflowId);
    const evaluationBlobs = path.join(h.env.FE_DATA_DIR!, 'blobs', h.who.orgId, 'evaluations', evaluationId);

    // Mid-analysis: transcripts and the coding answer are stored, a section call is in flight.
    await arrived;
    expect(existsSync(path.join(evaluationBlobs, 'transcript.json'))).toBe(true);
    expect((await rowsLeft(session.id, evaluationId)).transcripts).toBe(1);

    const del = await fetch(`${h.runtime.apiUrl}/v1/sessions/${session.id}`, { method: 'DELETE', headers });
    expect(del.status).toBe(204);
    const handle = h.runtime.evaluations.client.workflow.getHandle(workflowId);
    expect((await handle.describe()).status.name).toBe('TERMINATED');

    // The held call is answered now: the activity that made it tries to store its answer.
    const before = llm.requests.length;
    release();
    await expect.poll(() => answeredAfterRelease, { timeout: 30_000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 3000));

    expect(existsSync(evaluationBlobs)).toBe(false);
    expect(existsSync(path.join(h.env.FE_DATA_DIR!, 'blobs', h.who.orgId, 'sessions', session.id))).toBe(false);
    expect(await rowsLeft(session.id, evaluationId)).toEqual({ sessions: 0, participants: 0, recordings: 0, evaluations: 0, transcripts: 0, analyses: 0, reports: 0, evaluationAudit: 0 });
    // No further step ran: no narrative, no more sections.
    expect(llm.requests.length).toBe(before);
    const audit = await h.tdb.db.withOrg(h.who.orgId, (tx) => listAuditEvents(tx));
    expect(audit.filter((e) => e.action === 'session.erased')).toEqual([expect.objectContaining({ targetId: session.id, data: expect.objectContaining({ evaluations: 1, terminated: 1 }) })]);
    const history = await handle.fetchHistory();
    expect((history.events ?? []).some((e) => e.workflowExecutionTerminatedEventAttributes)).toBe(true);
  }, 300_000);
});
