import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifiedAnalysis } from '../../../../app/rubric/analysis';
import type { Transcript } from '../../../../app/transcript/transcript';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database';
import { seedOrg } from '../../testing/test-orgs';
import { getAnalysisByEvaluation, getLatestAnalysis, upsertAnalysis } from './analyses';
import { createEvaluation, finishEvaluation, getEvaluationByWorkflowId, getLatestEvaluation, updateEvaluationProgress } from './evaluations';
import { getLatestRecording, insertRecording, setRecordingStatus } from './recordings';
import { getLatestReport, getReportByEvaluation, upsertReport } from './reports';
import { createSessionWithParticipants } from './sessions';
import { getLatestTranscript, getTranscriptByEvaluation, upsertTranscript } from './transcripts';

let t: TestDatabase;
let org: { orgId: string; userId: string };
let sessionId: string;
const sha = (c: string) => c.repeat(64);

beforeAll(async () => {
  t = await createTestDatabase();
  org = await seedOrg(t.db);
  const s = await t.db.withOrg(org.orgId, (tx) =>
    createSessionWithParticipants(tx, {
      title: 'Follow-up',
      rubricId: 'mi',
      createdBy: org.userId,
      participants: [
        { channel: 0, displayName: 'Dr. A', roleLabel: 'clinician' },
        { channel: 1, displayName: 'B', roleLabel: 'patient' },
      ],
    }),
  );
  sessionId = s.id;
});
afterAll(() => t.drop());

const transcript = (text: string): Transcript => ({
  segments: [{ channel: 0, start: 0.5, end: 1.7, text, words: [{ text, start: 0.5, end: 1.7, confidence: 0.9 }] }],
  language: 'en',
  durationSec: 2,
  engine: { name: 'whisper.cpp', model: 'tiny.en' },
});

const analysis = (summary: string): VerifiedAnalysis => ({
  schemaVersion: 2,
  rubricId: 'mi',
  rubricVersion: '2.0.0',
  model: 'qwen2.5-coder-1.5b',
  units: [],
  coding: null,
  sections: [],
  narrative: { status: 'written', summary: { text: summary, citations: [], rejected: [] }, strengths: [{ text: 'listened', citations: [], rejected: [] }], suggestions: [], attempts: 1 },
  stats: { citations: { cited: 0, accepted: 0, unknownUnit: 0, wrongSpeaker: 0 }, codingRejected: 0, calls: 0, retries: 0, promptTokens: 0, completionTokens: 0 },
});

describe('recordings repository', () => {
  it('round-trips a recording and returns the latest one of a session', async () => {
    const first = await t.db.withOrg(org.orgId, (tx) => insertRecording(tx, { sessionId, blobUri: 'file:///blobs/a', sha256: sha('a'), bytes: 5_000_000_000 }));
    const second = await t.db.withOrg(org.orgId, (tx) =>
      insertRecording(tx, { sessionId, blobUri: 'file:///blobs/b', sha256: sha('b'), bytes: 195_000, durationSec: 12.5, container: 'webm', codec: 'opus', channels: 2, sampleRate: 48_000, status: 'accepted' }),
    );
    expect(first).toMatchObject({ bytes: 5_000_000_000, durationSec: null, status: 'received' });
    expect(await t.db.withOrg(org.orgId, (tx) => getLatestRecording(tx, sessionId))).toEqual(second);
    expect(second).toMatchObject({ sessionId, orgId: org.orgId, blobUri: 'file:///blobs/b', sha256: sha('b'), bytes: 195_000, durationSec: 12.5, container: 'webm', codec: 'opus', channels: 2, sampleRate: 48_000 });
    await t.db.withOrg(org.orgId, (tx) => setRecordingStatus(tx, second.id, 'rejected'));
    expect((await t.db.withOrg(org.orgId, (tx) => getLatestRecording(tx, sessionId, { status: 'received' })))?.id).toBe(first.id);
  });

  it('rejects a sha256 that is not 64 lowercase hex digits', async () => {
    await expect(t.db.withOrg(org.orgId, (tx) => insertRecording(tx, { sessionId, blobUri: 'x', sha256: 'ABC', bytes: 1 }))).rejects.toThrow(/check constraint/);
  });
});

describe('evaluations repository', () => {
  it('creates an evaluation once per workflow id, tracks progress and finishes it', async () => {
    const created = await t.db.withOrg(org.orgId, (tx) => createEvaluation(tx, { sessionId, workflowId: 'evaluate-1' }));
    const again = await t.db.withOrg(org.orgId, (tx) => createEvaluation(tx, { sessionId, workflowId: 'evaluate-1', runId: 'run-1' }));
    expect(again.id).toBe(created.id);
    expect(created).toMatchObject({ status: 'queued', progress: 0, step: null, startedAt: null, finishedAt: null });

    const running = await t.db.withOrg(org.orgId, (tx) => updateEvaluationProgress(tx, created.id, { step: 'transcribe', progress: 0.4 }));
    expect(running).toMatchObject({ status: 'running', step: 'transcribe', progress: 0.4, runId: 'run-1' });
    expect(running?.startedAt).not.toBeNull();

    const done = await t.db.withOrg(org.orgId, (tx) => finishEvaluation(tx, created.id, { status: 'completed' }));
    expect(done).toMatchObject({ status: 'completed', progress: 1, errorCode: null });
    expect(done?.finishedAt).not.toBeNull();
    // A late progress report from a retried activity does not reopen a finished evaluation.
    expect(await t.db.withOrg(org.orgId, (tx) => updateEvaluationProgress(tx, created.id, { step: 'render', progress: 0.9 }))).toBeNull();
    expect(await t.db.withOrg(org.orgId, (tx) => getEvaluationByWorkflowId(tx, 'evaluate-1'))).toEqual(done);
  });

  it('records a failure with its code and message, and getLatestEvaluation returns the newest run', async () => {
    const ev = await t.db.withOrg(org.orgId, (tx) => createEvaluation(tx, { sessionId, workflowId: 'evaluate-2' }));
    const failed = await t.db.withOrg(org.orgId, (tx) => finishEvaluation(tx, ev.id, { status: 'failed', errorCode: 'recording.empty_channel', errorMessage: 'channel 1 has no speech' }));
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'recording.empty_channel', errorMessage: 'channel 1 has no speech' });
    expect((await t.db.withOrg(org.orgId, (tx) => getLatestEvaluation(tx, sessionId)))?.id).toBe(ev.id);
  });
});

describe('transcripts, analyses and reports', () => {
  it('upserts one row per evaluation, so a retried activity replaces instead of duplicating', async () => {
    const ev = await t.db.withOrg(org.orgId, (tx) => createEvaluation(tx, { sessionId, workflowId: 'evaluate-3' }));
    const base = { sessionId, evaluationId: ev.id };
    const [t1, a1, r1] = await t.db.withOrg(org.orgId, async (tx) => [
      await upsertTranscript(tx, { ...base, body: transcript('hello'), engine: 'whisper.cpp tiny.en' }),
      await upsertAnalysis(tx, { ...base, body: analysis('first'), model: 'm', rubricId: 'mi', rubricVersion: '1' }),
      await upsertReport(tx, { ...base, blobUri: 'file:///r1.pdf', sha256: sha('1'), bytes: 1000, pages: 4 }),
    ] as const);
    const [t2, a2, r2] = await t.db.withOrg(org.orgId, async (tx) => [
      await upsertTranscript(tx, { ...base, body: transcript('hello again'), engine: 'whisper.cpp tiny.en' }),
      await upsertAnalysis(tx, { ...base, body: analysis('second'), model: 'm', rubricId: 'mi', rubricVersion: '1' }),
      await upsertReport(tx, { ...base, blobUri: 'file:///r2.pdf', sha256: sha('2'), bytes: 2000, pages: 5 }),
    ] as const);
    expect([t2.id, a2.id, r2.id]).toEqual([t1.id, a1.id, r1.id]);
    const counts = await t.db.withOrg(org.orgId, async (tx) =>
      Promise.all(['transcripts', 'analyses', 'reports'].map(async (table) => (await tx.query(`SELECT 1 FROM ${table} WHERE evaluation_id = $1`, [ev.id])).rowCount)),
    );
    expect(counts).toEqual([1, 1, 1]);
    expect((await t.db.withOrg(org.orgId, (tx) => getTranscriptByEvaluation(tx, ev.id)))?.body).toEqual(transcript('hello again'));
    expect((await t.db.withOrg(org.orgId, (tx) => getAnalysisByEvaluation(tx, ev.id)))?.body).toMatchObject({ narrative: { summary: { text: 'second' } } });
    expect(await t.db.withOrg(org.orgId, (tx) => getReportByEvaluation(tx, ev.id))).toMatchObject({ blobUri: 'file:///r2.pdf', bytes: 2000, pages: 5 });
  });

  it("returns the latest result of a session across evaluations", async () => {
    const ev = await t.db.withOrg(org.orgId, (tx) => createEvaluation(tx, { sessionId, workflowId: 'evaluate-4' }));
    const base = { sessionId, evaluationId: ev.id };
    await t.db.withOrg(org.orgId, async (tx) => {
      await upsertTranscript(tx, { ...base, body: transcript('newest'), engine: 'e' });
      await upsertAnalysis(tx, { ...base, body: analysis('newest'), model: 'm2', rubricId: 'mi', rubricVersion: '2' });
      await upsertReport(tx, { ...base, blobUri: 'file:///r4.pdf', sha256: sha('4'), bytes: 4, pages: 1 });
    });
    const latest = await t.db.withOrg(org.orgId, async (tx) => ({
      transcript: await getLatestTranscript(tx, sessionId),
      analysis: await getLatestAnalysis(tx, sessionId),
      report: await getLatestReport(tx, sessionId),
    }));
    expect(latest.transcript?.body.segments[0]?.text).toBe('newest');
    expect(latest.analysis).toMatchObject({ evaluationId: ev.id, model: 'm2', rubricVersion: '2' });
    expect(latest.report?.blobUri).toBe('file:///r4.pdf');
  });

  it('refuses a result whose evaluation belongs to another session', async () => {
    const other = await t.db.withOrg(org.orgId, (tx) =>
      createSessionWithParticipants(tx, { title: 'Other', rubricId: 'mi', createdBy: org.userId, participants: [{ channel: 0, displayName: 'A', roleLabel: 'c' }, { channel: 1, displayName: 'B', roleLabel: 'p' }] }),
    );
    const ev = await t.db.withOrg(org.orgId, (tx) => createEvaluation(tx, { sessionId: other.id, workflowId: 'evaluate-5' }));
    await expect(t.db.withOrg(org.orgId, (tx) => upsertTranscript(tx, { sessionId, evaluationId: ev.id, body: transcript('x'), engine: 'e' }))).rejects.toThrow(/foreign key/);
    await expect(t.db.withOrg(org.orgId, (tx) => upsertReport(tx, { sessionId, evaluationId: ev.id, blobUri: 'x', sha256: sha('5'), bytes: 1, pages: 1 }))).rejects.toThrow(/foreign key/);
    const rec = await t.db.withOrg(org.orgId, (tx) => insertRecording(tx, { sessionId, blobUri: 'file:///c', sha256: sha('c'), bytes: 1 }));
    await expect(t.db.withOrg(org.orgId, (tx) => createEvaluation(tx, { sessionId: other.id, workflowId: 'evaluate-6', recordingId: rec.id }))).rejects.toThrow(/foreign key/);
  });
});
