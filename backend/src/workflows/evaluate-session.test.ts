import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { computeWer } from '../../../app/transcript/wer';
import type { Transcript } from '../../../app/transcript/transcript';
import type { VerifiedAnalysis } from '../../../app/rubric/analysis';
import { resourcesDir } from '../paths';
import { getRubric } from '../rubrics/rubric-catalog';
import { setupWhisperModel } from '../../../scripts/setup/whisper-model';
import { defaultDataDir } from '../paths';
import { startOpenAiTestServer, chatCompletion, type OpenAiTestServer } from '../testing/openai-test-server';
import { startPipelineHarness, type PipelineHarness } from '../testing/pipeline-harness';
import { scriptedAnalysis, INVENTED_QUOTE } from '../testing/scripted-analysis';
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

const sectionOf = (key: string | undefined) => (key ?? '').split(':').pop()!;

beforeAll(async () => {
  await setupWhisperModel({ dataDir: defaultDataDir });
  const rubrics = new Map<string, Awaited<ReturnType<typeof getRubric>>>();
  llm = await startOpenAiTestServer({
    async respond(req) {
      const rubricId = String(req.headers['x-fe-rubric'] ?? 'motivational-interviewing');
      if (!rubrics.has(rubricId)) rubrics.set(rubricId, await getRubric(rubricId));
      const user = (req.body.messages as { role: string; content: string }[]).filter((m) => m.role === 'user').map((m) => m.content).join('\n');
      return chatCompletion(JSON.stringify(scriptedAnalysis(rubrics.get(rubricId)!, sectionOf(req.headers['idempotency-key']), user)));
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
    for (const s of ['decoding', 'transcribing', 'analyzing', 'rendering']) expect(steps).toContain(s);
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

    // Every quote the "model" invented was rejected; the real ones were located with speaker and time.
    const analysis = await api<VerifiedAnalysis>('GET', `/v1/sessions/${session.id}/analysis`);
    expect(analysis.stats.quotesRejected).toBeGreaterThan(0);
    expect(analysis.stats.quotesVerified).toBeGreaterThan(0);
    const quotes = analysis.items.flatMap((i) => i.evidence);
    expect(quotes.every((q) => q.channel === 0 && q.end > q.start)).toBe(true);
    expect(analysis.items.flatMap((i) => i.rejected).map((r) => r.quote)).toContain(INVENTED_QUOTE);

    const pdf = await api<Buffer>('GET', `/v1/sessions/${session.id}/report.pdf`);
    const file = path.join(tmp, 'report.pdf');
    writeFileSync(file, pdf);
    execFileSync('qpdf', ['--check', file]);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Dr. Maya Okafor');
    expect(text).toContain('Daniel Reyes');
    expect(text).not.toContain(INVENTED_QUOTE);
    expect(createHash('sha256').update(pdf).digest('hex')).toHaveLength(64);

    // Every LLM call went to the configured endpoint with an idempotency key per rubric section.
    const keys = llm.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(keys.length);
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
    const view = await api<{ status: string; evaluation: { status: string; error: { code: string; message: string } } }>('GET', `/v1/sessions/${session.id}`);
    expect(view.status).toBe('failed');
    expect(view.evaluation).toMatchObject({ status: 'failed', error: { code: 'recording.empty_channel' } });
    expect(view.evaluation.error.message).toMatch(/channel 1/);
  }, 200_000);
});
