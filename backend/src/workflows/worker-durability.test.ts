import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoredItems, type VerifiedAnalysis } from '../../../app/rubric/analysis';
import { getRubric } from '../rubrics/rubric-catalog';
import { setupWhisperModel } from '../../../scripts/setup/whisper-model';
import { defaultDataDir } from '../paths';
import { chatCompletion, startOpenAiTestServer, type OpenAiTestServer } from '../testing/openai-test-server';
import { listGatewayAudit } from '../gateway/gateway-audit';
import { startPipelineHarness, type PipelineHarness } from '../testing/pipeline-harness';
import { callOfRequest, scriptedUnitAnswer } from '../testing/scripted-unit-answers';
import { tusUpload } from '../testing/tus-upload';
import { makeStereoSpeechWav } from '../testing/audio-fixtures';
import { workflowIdFor } from './evaluation-client';

const RUBRIC = 'communication-general';
// Its shared-planning item has no code guide, so the model is always asked for it (decision 023).
const HELD_SECTION = 'explanation';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-durable-'));
let llm: OpenAiTestServer;
let h: PipelineHarness;
let release!: () => void;
const held = new Promise<void>((r) => (release = r));
let heldArrived!: () => void;
const arrived = new Promise<void>((r) => (heldArrived = r));

beforeAll(async () => {
  await setupWhisperModel({ dataDir: defaultDataDir });
  // Which call a request is comes from its output schema (the gateway keeps the Idempotency-Key).
  llm = await startOpenAiTestServer({
    async respond(req) {
      const call = callOfRequest(req.body);
      const seen = llm.requests.filter((r) => callOfRequest(r.body) === call).length;
      if (call === `section:${HELD_SECTION}` && seen === 1) {
        heldArrived();
        await held; // the worker is killed while this call is in flight
      }
      return chatCompletion(JSON.stringify(scriptedUnitAnswer(req.body)));
    },
  });
  h = await startPipelineHarness({ llmBaseUrl: llm.baseURL, inProcessWorker: false });
});
afterAll(async () => {
  release?.();
  await h?.stop();
  await llm?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('worker durability', () => {
  it('completes a run after its worker is killed mid-analysis, without repeating finished steps or LLM calls', async () => {
    const rubric = await getRubric(RUBRIC);
    const first = await h.spawnWorker();
    const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
    const headers = { authorization: `Bearer ${h.who.token}`, 'content-type': 'application/json' };
    const session = (await (await fetch(`${h.runtime.apiUrl}/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ title: 'Durability', rubricId: RUBRIC, participants: [{ channel: 0, displayName: 'Dr. A', roleLabel: 'Clinician', consent }, { channel: 1, displayName: 'B', roleLabel: 'Patient', consent }] }) })).json()) as { id: string };
    const wav = await makeStereoSpeechWav(tmp, {
      left: 'Good morning. What brings you in today? Tell me more about the headaches and when they started.',
      right: 'They started about three weeks ago. Mostly in the evening after work, and they last a few hours.',
      gapSec: 0.8,
    });
    expect((await tusUpload({ endpoint: `${h.runtime.apiUrl}/v1/uploads`, token: h.who.token, file: wav.path, sessionId: session.id })).ok).toBe(true);
    const started = (await (await fetch(`${h.runtime.apiUrl}/v1/sessions/${session.id}/evaluations`, { method: 'POST', headers, body: '{}' })).json()) as { evaluation: { id: string } };
    const workflowId = workflowIdFor(started.evaluation.id);

    await arrived;
    await first.kill('SIGKILL');
    release();
    await h.spawnWorker();
    await h.runtime.evaluations.result(workflowId);

    const view = (await (await fetch(`${h.runtime.apiUrl}/v1/sessions/${session.id}`, { headers })).json()) as { status: string; evaluation: { status: string } };
    expect(view).toMatchObject({ status: 'completed', evaluation: { status: 'completed' } });
    const pdf = await fetch(`${h.runtime.apiUrl}/v1/sessions/${session.id}/report.pdf`, { headers });
    expect(pdf.headers.get('content-type')).toContain('application/pdf');

    // Finished steps were never asked again (coding, the first section); the one in flight was asked again once.
    const byCall = new Map<string, number>();
    for (const r of llm.requests) byCall.set(callOfRequest(r.body), (byCall.get(callOfRequest(r.body)) ?? 0) + 1);
    expect([...byCall.keys()].filter((k) => k.startsWith('coding:')).length).toBeGreaterThan(0);
    // A section is one call per item; the held section's first item was asked again once after the kill.
    // Items the codes scored as not shown are not asked (decision 023): the stored analysis says which.
    const analysis = (await (await fetch(`${h.runtime.apiUrl}/v1/sessions/${session.id}/analysis`, { headers })).json()) as VerifiedAnalysis;
    const notShown = new Set(scoredItems(analysis).filter((i) => i.scoreBasis?.notShown).map((i) => i.itemId));
    const callsOf = (call: string) => {
      const section = rubric.sections.find((s) => call === `section:${s.id}`);
      return section ? section.items.filter((i) => !notShown.has(i.id)).length + (section.id === HELD_SECTION ? 1 : 0) : 1;
    };
    for (const [call, n] of byCall) expect([call, n]).toEqual([call, callsOf(call)]);
    for (const s of rubric.sections) expect(byCall.has(`section:${s.id}`)).toBe(s.items.some((i) => !notShown.has(i.id)));
    expect(byCall.get('narrative')).toBe(1);
    // The gateway charged every answer once; the call cut off by the kill was released, not charged.
    const audit = (await h.tdb.db.withOrg(h.who.orgId, (tx) => listGatewayAudit(tx, { limit: 1000 }))).filter((a) => a.sessionId === session.id && a.purpose === 'rubric_analysis');
    expect(audit.filter((a) => a.outcome === 'ok')).toHaveLength([...byCall.keys()].reduce((n, call) => n + callsOf(call) - (call === `section:${HELD_SECTION}` ? 1 : 0), 0));
    expect(audit.filter((a) => a.outcome !== 'ok').every((a) => a.costMicros === 0)).toBe(true);

    // History: transcription ran once per channel (completed before the kill, never re-executed).
    const history = await h.runtime.evaluations.client.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
    expect(scheduled.filter((n) => n === 'transcribeChannel')).toHaveLength(2);
    expect(scheduled.filter((n) => n === 'analyzeSection')).toHaveLength(4);
    const attempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
    expect(Math.max(...attempts)).toBe(2);
  }, 300_000);
});
