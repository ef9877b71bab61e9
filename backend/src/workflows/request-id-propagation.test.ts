import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupWhisperModel } from '../../../scripts/setup/whisper-model';
import { defaultDataDir } from '../paths';
import { createLogger } from '../runtime/log';
import { captureLogLines, type LogLine } from '../testing/log-capture';
import { chatCompletion, startOpenAiTestServer, type OpenAiTestServer } from '../testing/openai-test-server';
import { startPipelineHarness, type PipelineHarness } from '../testing/pipeline-harness';
import { scriptedUnitAnswer } from '../testing/scripted-unit-answers';
import { tusUpload } from '../testing/tus-upload';
import { makeStereoSpeechWav } from '../testing/audio-fixtures';
import { workflowIdFor } from './evaluation-client';

interface Line extends LogLine {
  activity?: string;
  requestId?: string;
}

const REQUEST_ID = 'proxy-req-4f1c2a9e-evaluation';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-reqid-'));
const { lines, sink } = captureLogLines<Line>();
let llm: OpenAiTestServer;
let h: PipelineHarness;

beforeAll(async () => {
  await setupWhisperModel({ dataDir: defaultDataDir });
  llm = await startOpenAiTestServer({ respond: (req) => chatCompletion(JSON.stringify(scriptedUnitAnswer(req.body))) });
  const logger = createLogger('debug', sink);
  // The test client stands in for the reverse proxy whose X-Request-Id the API keeps.
  h = await startPipelineHarness({ llmBaseUrl: llm.baseURL, inProcessWorker: true, log: (c) => logger.child(c), env: { FE_TRUSTED_PROXIES: 'loopback' } });
});
afterAll(async () => {
  await h?.stop();
  await llm?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('request id from the API to the worker and the gateway', () => {
  it("logs every activity and every gateway call of an evaluation under the X-Request-Id of the request that started it", async () => {
    const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
    const headers = { authorization: `Bearer ${h.who.token}`, 'content-type': 'application/json' };
    const session = (await (await fetch(`${h.runtime.apiUrl}/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ title: 'Request id', rubricId: 'communication-general', participants: [{ channel: 0, displayName: 'Dr. Hidden Name', roleLabel: 'Clinician', consent }, { channel: 1, displayName: 'Patient Hidden Name', roleLabel: 'Patient', consent }] }) })).json()) as { id: string };
    const wav = await makeStereoSpeechWav(tmp, { left: 'Good morning. What brings you in today?', right: 'My headaches started three weeks ago.', gapSec: 0.6 });
    expect((await tusUpload({ endpoint: `${h.runtime.apiUrl}/v1/uploads`, token: h.who.token, file: wav.path, sessionId: session.id })).ok).toBe(true);

    const res = await fetch(`${h.runtime.apiUrl}/v1/sessions/${session.id}/evaluations`, { method: 'POST', headers: { ...headers, 'x-request-id': REQUEST_ID }, body: '{}' });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBe(REQUEST_ID);
    const { evaluation } = (await res.json()) as { evaluation: { id: string } };
    const workflowId = workflowIdFor(evaluation.id);
    await h.runtime.evaluations.result(workflowId);

    // The API's own request line, and the workflow's memo (what an operator sees in Temporal).
    expect(lines.find((l) => l.component === 'api' && l.req?.id === REQUEST_ID)).toMatchObject({ req: { method: 'POST', path: `/v1/sessions/${session.id}/evaluations` } });
    const described = await h.runtime.evaluations.client.workflow.getHandle(workflowId).describe();
    expect(await described.memo).toMatchObject({ requestId: REQUEST_ID });

    // Every activity the workflow scheduled logged its completion under the request id.
    const history = await h.runtime.evaluations.client.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name!);
    expect(scheduled).toEqual(expect.arrayContaining(['prepareRecording', 'transcribeChannel', 'analyzeSection', 'writeNarrative', 'renderReport', 'completeEvaluation']));
    const completed = lines.filter((l) => l.component === 'worker' && l.msg === 'activity completed' && l.workflowId === workflowId);
    expect(completed.map((l) => l.activity).sort()).toEqual([...scheduled].sort());
    for (const l of completed) expect(l).toMatchObject({ level: 30, requestId: REQUEST_ID, evaluationId: evaluation.id });

    // The gateway logged each of the evaluation's model calls under it: one chat line per provider call, and the transcription windows.
    const gateway = lines.filter((l) => l.component === 'gateway' && l.req?.id === REQUEST_ID);
    const chat = gateway.filter((l) => l.req?.path === '/v1/chat/completions');
    expect(llm.requests.length).toBeGreaterThan(0);
    expect(chat).toHaveLength(llm.requests.length);
    expect(gateway.filter((l) => l.req?.path === '/v1/audio/transcriptions').length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.component === 'gateway' && l.req?.path === '/v1/chat/completions' && l.req.id !== REQUEST_ID)).toEqual([]);

    // Ids, not people: the participants' names are in no line.
    expect(JSON.stringify(lines)).not.toContain('Hidden Name');
  }, 300_000);
});
