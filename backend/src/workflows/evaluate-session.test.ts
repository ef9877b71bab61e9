import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { computeWer } from '../../../app/transcript/wer';
import type { Transcript } from '../../../app/transcript/transcript';
import { scoredItems, type VerifiedAnalysis } from '../../../app/rubric/analysis';
import { resourcesDir } from '../paths';
import { setupWhisperModel } from '../../../scripts/setup/whisper-model';
import { defaultDataDir } from '../paths';
import { startOpenAiTestServer, chatCompletion, type OpenAiTestServer } from '../testing/openai-test-server';
import { listGatewayAudit, verifyGatewayAuditChain } from '../gateway/gateway-audit';
import { createWorkerCredentials } from '../gateway/worker-credentials';
import { startPipelineHarness, type PipelineHarness } from '../testing/pipeline-harness';
import { kindOf, schemaOf, scriptedUnitAnswer, UNKNOWN_UNIT_ID } from '../testing/scripted-unit-answers';
import { tusUpload } from '../testing/tus-upload';
import { makeOneSilentChannelWav } from '../testing/audio-fixtures';
import { insertRecording } from '../db/repositories/recordings';
import { setSessionStatus } from '../db/repositories/sessions';
import { workflowIdFor } from './evaluation-client';

const sampleDir = path.join(resourcesDir, 'sample-session');
const groundTruth = JSON.parse(readFileSync(path.join(sampleDir, 'ground-truth.json'), 'utf8')) as { lines: { channel: 0 | 1; text: string }[] };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-eval-'));

let llm: OpenAiTestServer;
let h: PipelineHarness;


beforeAll(async () => {
  await setupWhisperModel({ dataDir: defaultDataDir });
  llm = await startOpenAiTestServer({
    respond(req) {
      // The provider key is the gateway's alone: anything else calling this "provider" is refused.
      if (req.headers.authorization !== 'Bearer test-key') return { status: 401, body: { error: { message: 'bad key', type: 'invalid_request_error', code: 'invalid_api_key' } } };
      return chatCompletion(JSON.stringify(scriptedUnitAnswer(req.body)));
    },
  });
  h = await startPipelineHarness({ llmBaseUrl: llm.baseURL, inProcessWorker: true });
});
afterAll(async () => {
  await h?.stop();
  await llm?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function api<T>(method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${h.runtime.apiUrl}${p}`, { method, headers: { authorization: `Bearer ${h.who.token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (res.headers.get('content-type') ?? '').includes('json') ? ((await res.json()) as T) : (Buffer.from(await res.arrayBuffer()) as T);
}

describe('evaluateSession on the real Temporal dev server', () => {
  it('turns the sample session into a verified PDF report, pushing progress over the WebSocket', async () => {
    const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
    const session = await api<{ id: string }>('POST', '/v1/sessions', {
      title: 'Blood pressure follow-up',
      rubricId: 'motivational-interviewing',
      participants: [
        { channel: 0, displayName: 'Dr. Maya Okafor', roleLabel: 'Clinician', consent },
        { channel: 1, displayName: 'Daniel Reyes', roleLabel: 'Patient', consent },
      ],
    });
    const up = await tusUpload({ endpoint: `${h.runtime.apiUrl}/v1/uploads`, token: h.who.token, file: path.join(sampleDir, 'sample-session.ogg'), sessionId: session.id });
    expect(up.ok).toBe(true);

    const ws = new WebSocket(`${h.runtime.apiUrl!.replace('http', 'ws')}/v1/events`, { headers: { authorization: `Bearer ${h.who.token}` } });
    const events: { sessionId: string; status: string; step: string; progress: number }[] = [];
    const done = new Promise<void>((resolve) =>
      ws.on('message', (m) => {
        const e = JSON.parse(String(m));
        if (e.type !== 'evaluation' || e.sessionId !== session.id) return;
        events.push(e);
        if (e.status === 'completed' || e.status === 'failed') resolve();
      }),
    );
    await new Promise((r) => ws.once('open', r));
    await api('POST', `/v1/sessions/${session.id}/evaluations`, {});
    await done;
    ws.close();

    expect(events.at(-1)).toMatchObject({ status: 'completed', progress: 1 });
    const steps = new Set(events.map((e) => e.step));
    for (const s of ['decoding', 'transcribing', 'analyzing', 'summarizing', 'rendering']) expect(steps).toContain(s);
    const progress = events.map((e) => e.progress);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);

    // Each person's words are under their own channel: WER per channel against the ground truth.
    const transcript = await api<Transcript>('GET', `/v1/sessions/${session.id}/transcript`);
    for (const ch of [0, 1] as const) {
      const ref = groundTruth.lines.filter((l) => l.channel === ch).map((l) => l.text).join(' ');
      const hyp = transcript.segments.filter((s) => s.channel === ch).map((s) => s.text).join(' ');
      const { wer } = computeWer(ref, hyp);
      expect(wer).toBeLessThan(0.35);
    }

    // Every clinician unit coded; the cited ids became the transcript's own clinician units with their time; the
    // patient unit and the unknown id the "remote model" also cited were rejected and counted.
    const analysis = await api<VerifiedAnalysis>('GET', `/v1/sessions/${session.id}/analysis`);
    expect(analysis.schemaVersion).toBe(2);
    expect(analysis.coding).toMatchObject({ status: 'coded', coder: { kind: 'llm' }, uncoded: [] });
    if (analysis.coding?.status === 'coded') expect(analysis.coding.codes.map((c) => c.unitId)).toEqual(analysis.units.filter((u) => u.channel === 0).map((u) => u.id));
    expect(analysis.sections.every((s) => s.status === 'scored')).toBe(true);
    const items = scoredItems(analysis);
    const cited = items.flatMap((i) => i.citations);
    expect(cited.length).toBeGreaterThan(0);
    for (const u of cited) expect(analysis.units).toContainEqual(u);
    expect(cited.every((u) => u.channel === 0 && u.end > u.start)).toBe(true);
    expect(items.flatMap((i) => i.rejected)).toContainEqual({ unitId: UNKNOWN_UNIT_ID, reason: 'unknown_unit' });
    expect(analysis.stats.citations.wrongSpeaker).toBeGreaterThan(0);
    expect(analysis.stats.citations.unknownUnit).toBe(analysis.sections.length);
    expect(analysis.narrative.status).toBe('written');

    const pdf = await api<Buffer>('GET', `/v1/sessions/${session.id}/report.pdf`);
    const file = path.join(tmp, 'report.pdf');
    writeFileSync(file, pdf);
    execFileSync('qpdf', ['--check', file]);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Dr. Maya Okafor');
    expect(text).toContain('Daniel Reyes');
    expect(text).not.toContain(UNKNOWN_UNIT_ID);
    expect(createHash('sha256').update(pdf).digest('hex')).toHaveLength(64);

    // Every LLM call reached the provider through the gateway: the coding batches, one call per rubric item and
    // the narrative, each once, with the participants' names replaced by placeholders (the gateway restored them
    // in the answers).
    const chats = llm.requests.filter((r) => r.path.endsWith('/chat/completions'));
    const kinds = chats.map((r) => kindOf(r.body));
    expect(kinds.filter((k) => k === 'section')).toHaveLength(analysis.sections.reduce((n, s) => n + s.items.length, 0));
    expect(kinds.filter((k) => k === 'narrative')).toHaveLength(1);
    expect(kinds.indexOf('section')).toBeGreaterThan(kinds.lastIndexOf('coding'));
    expect(new Set(chats.map((r) => JSON.stringify(schemaOf(r.body)))).size).toBe(chats.length);
    for (const r of chats) {
      const sent = JSON.stringify(r.body);
      for (const name of ['Maya', 'Okafor', 'Daniel', 'Reyes']) expect(sent).not.toContain(name);
    }
    // Only the narrative call names the participants (coding and scoring need no names): there as placeholders.
    expect(JSON.stringify(chats[kinds.indexOf('narrative')]!.body)).toMatch(/\[PERSON_\d+\]/);
    const audit = await h.tdb.db.withOrg(h.who.orgId, (tx) => listGatewayAudit(tx, { limit: 1000 }));
    const mine = audit.filter((a) => a.sessionId === session.id);
    expect(mine.filter((a) => a.purpose === 'rubric_analysis' && a.outcome === 'ok')).toHaveLength(chats.length);
    expect(mine.filter((a) => a.purpose === 'transcription' && a.outcome === 'ok').length).toBeGreaterThanOrEqual(2);
    // Charged to the session's clinician, so per-user budgets apply to evaluations too.
    expect(mine.every((a) => a.userId === h.who.userId)).toBe(true);
    for (const a of mine) expect(a).toMatchObject({ policyDecision: 'allow', policyVersion: expect.stringMatching(/^\d+\.\d+\.\d+\+[0-9a-f]{12}$/) });
    expect(mine.filter((a) => a.purpose === 'rubric_analysis').every((a) => a.promptSha256 && a.responseSha256)).toBe(true);
    // The narrative call names the participants, so the gateway redacted names there at least.
    expect(mine.some((a) => a.purpose === 'rubric_analysis' && (a.redactionCounts.PERSON ?? 0) > 0)).toBe(true);
    expect(mine.filter((a) => a.purpose === 'transcription').every((a) => (a.audioMs ?? 0) > 0 && a.provider === 'local')).toBe(true);
    const chain = await h.tdb.db.withOrg(h.who.orgId, (tx) => verifyGatewayAuditChain(tx));
    expect({ reason: null, ...chain }).toMatchObject({ ok: true, reason: null });

    // A call around the gateway fails: the worker's credential is no provider key.
    const direct = await fetch(`${llm.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${await createWorkerCredentials(h.tdb.db, { name: 'probe' }).forOrg(h.who.orgId)}`, 'content-type': 'application/json' }, body: JSON.stringify(chats[0]!.body) });
    expect(direct.status).toBe(401);
  }, 400_000);

  it('fails a run whose recording has a silent channel with recording.empty_channel, and says so in the session', async () => {
    const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
    const session = await api<{ id: string }>('POST', '/v1/sessions', { title: 'Silent guest', rubricId: 'communication-general', participants: [{ channel: 0, displayName: 'A', roleLabel: 'Clinician', consent }, { channel: 1, displayName: 'B', roleLabel: 'Patient', consent }] });
    // Bypass the upload check on purpose: the workflow must defend itself too.
    const silent = await makeOneSilentChannelWav(tmp, { name: 'silent.wav' });
    const ref = await h.runtime.blobs.putFile(h.who.orgId, `sessions/${session.id}/recording-silent`, silent.path);
    await h.tdb.db.withOrg(h.who.orgId, async (tx) => {
      await insertRecording(tx, { sessionId: session.id, blobUri: ref.uri, sha256: ref.sha256, bytes: ref.bytes, status: 'accepted' });
      await setSessionStatus(tx, session.id, 'recording_uploaded');
    });
    const started = await api<{ evaluation: { id: string } }>('POST', `/v1/sessions/${session.id}/evaluations`, {});
    await expect(h.runtime.evaluations.result(workflowIdFor(started.evaluation.id))).rejects.toThrow();
    // Not worth a retry: the step ran once and its failure says so (activity-failure.ts).
    const history = await h.runtime.evaluations.client.workflow.getHandle(workflowIdFor(started.evaluation.id)).fetchHistory();
    const events = history.events ?? [];
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'prepareRecording')).toHaveLength(1);
    expect(events.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt)).not.toContain(2);
    const failed = events.find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes?.failure;
    expect(failed?.applicationFailureInfo).toMatchObject({ type: 'recording.empty_channel', nonRetryable: true });
    const view = await api<{ status: string; evaluation: { status: string; error: { code: string; message: string } } }>('GET', `/v1/sessions/${session.id}`);
    expect(view.status).toBe('failed');
    expect(view.evaluation).toMatchObject({ status: 'failed', error: { code: 'recording.empty_channel' } });
    expect(view.evaluation.error.message).toMatch(/channel 1/);
  }, 200_000);
});
