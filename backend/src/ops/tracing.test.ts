import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
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
import { workflowIdFor } from '../workflows/evaluation-client';
import { flushTraces } from './tracing';

/** A span as the OTLP/HTTP JSON export carries it (ids in hex), with its resource's service.name. */
interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  service: string;
}
interface OtlpJson {
  resourceSpans?: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans?: { spans?: Omit<ExportedSpan, 'service'>[] }[] }[];
}

/** A local OTLP/HTTP receiver (what a collector's otlphttp receiver answers): keeps every span it is sent. */
async function startOtlpReceiver() {
  const spans: ExportedSpan[] = [];
  const contentTypes = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      contentTypes.add(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpJson;
      for (const rs of body.resourceSpans ?? []) {
        const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, name: s.name, kind: s.kind, service });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/v1/traces`, spans, contentTypes, close: () => new Promise<void>((r) => server.close(() => r())) };
}

interface Line extends LogLine {
  activity?: string;
  traceId?: string;
  spanId?: string;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-trace-'));
const { lines, sink } = captureLogLines<Line>();
let llm: OpenAiTestServer;
let h: PipelineHarness;
let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;

beforeAll(async () => {
  await setupWhisperModel({ dataDir: defaultDataDir });
  otlp = await startOtlpReceiver();
  llm = await startOpenAiTestServer({ respond: (req) => chatCompletion(JSON.stringify(scriptedUnitAnswer(req.body))) });
  const logger = createLogger('info', sink);
  h = await startPipelineHarness({ llmBaseUrl: llm.baseURL, inProcessWorker: true, log: (c) => logger.child(c), env: { FE_OTEL_EXPORTER_URL: otlp.url } });
});
afterAll(async () => {
  await h?.stop();
  await llm?.close();
  await otlp?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  it('exports one connected trace from the upload and the evaluation request through the workflow, each activity, the gateway and its provider call', async () => {
    // The client's own span (the desktop app, or a reverse proxy): its traceparent on the upload and on the evaluation request.
    const traceId = randomBytes(16).toString('hex');
    const clientSpan = randomBytes(8).toString('hex');
    const traceparent = `00-${traceId}-${clientSpan}-01`;
    const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
    const headers = { authorization: `Bearer ${h.who.token}`, 'content-type': 'application/json' };
    const session = (await (await fetch(`${h.runtime.apiUrl}/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ title: 'Traces', rubricId: 'communication-general', participants: [{ channel: 0, displayName: 'Dr. Trace', roleLabel: 'Clinician', consent }, { channel: 1, displayName: 'Patient Trace', roleLabel: 'Patient', consent }] }) })).json()) as { id: string };
    const wav = await makeStereoSpeechWav(tmp, { left: 'Good morning. What brings you in today?', right: 'My headaches started three weeks ago.', gapSec: 0.6 });
    expect((await tusUpload({ endpoint: `${h.runtime.apiUrl}/v1/uploads`, token: h.who.token, file: wav.path, sessionId: session.id, headers: { traceparent } })).ok).toBe(true);
    const res = await fetch(`${h.runtime.apiUrl}/v1/sessions/${session.id}/evaluations`, { method: 'POST', headers: { ...headers, traceparent }, body: '{}' });
    expect(res.status).toBe(202);
    const { evaluation } = (await res.json()) as { evaluation: { id: string } };
    const workflowId = workflowIdFor(evaluation.id);
    await h.runtime.evaluations.result(workflowId);
    const history = await h.runtime.evaluations.client.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name!);
    expect(scheduled).toEqual(expect.arrayContaining(['prepareRecording', 'transcribeChannel', 'analyzeSection', 'renderReport', 'completeEvaluation']));

    // Spans end as the work ends; the last (completeEvaluation's, the workflow's) reach the receiver after a flush.
    // Wait for the workflow's span and then until no further span arrives for a second.
    const count = () => otlp.spans.filter((s) => s.traceId === traceId).length;
    const wanted = () => otlp.spans.some((s) => s.traceId === traceId && s.name === 'RunWorkflow:evaluateSession');
    for (let i = 0, seen = -1, still = 0; i < 100 && still < 5; i++) {
      await flushTraces();
      await new Promise((r) => setTimeout(r, 200));
      still = wanted() && count() === seen ? still + 1 : 0;
      seen = count();
    }
    expect([...otlp.contentTypes]).toEqual(['POST /v1/traces application/json']);
    const inTrace = otlp.spans.filter((s) => s.traceId === traceId);
    const byId = new Map(inTrace.map((s) => [s.spanId, s]));
    const one = (name: string, parent?: ExportedSpan | string) => {
      const found = inTrace.filter((s) => s.name === name && (parent === undefined || s.parentSpanId === (typeof parent === 'string' ? parent : parent.spanId)));
      expect(found, `${name} under ${typeof parent === 'string' ? parent : parent?.name}`).toHaveLength(1);
      return found[0]!;
    };

    // The upload's completion (the last PATCH) and the evaluation request: API server spans under the client's span.
    const patches = inTrace.filter((s) => s.name.startsWith('PATCH /v1/uploads'));
    expect(patches.length).toBeGreaterThan(0);
    for (const p of patches) expect(p).toMatchObject({ parentSpanId: clientSpan, kind: 2, service: 'feedback-api' });
    const api = one('POST /v1/sessions/:id/evaluations', clientSpan);
    expect(api).toMatchObject({ kind: 2, service: 'feedback-api' });

    // The workflow under the API request, every activity under the workflow.
    const start = one('StartWorkflow:evaluateSession', api);
    const run = one('RunWorkflow:evaluateSession', start);
    const runs = new Map<string, ExportedSpan[]>();
    for (const a of new Set(scheduled)) {
      const starts = inTrace.filter((s) => s.name === `StartActivity:${a}` && s.parentSpanId === run.spanId);
      expect(starts, a).toHaveLength(scheduled.filter((x) => x === a).length);
      runs.set(a, starts.flatMap((st) => inTrace.filter((s) => s.name === `RunActivity:${a}` && s.parentSpanId === st.spanId)));
      expect(runs.get(a)!.length, `RunActivity:${a}`).toBeGreaterThanOrEqual(starts.length);
    }

    // The gateway's request spans under the activities that called it; its provider call under those.
    const activitySpanIds = new Set([...runs.values()].flat().map((s) => s.spanId));
    const chats = inTrace.filter((s) => s.name === 'POST /v1/chat/completions');
    expect(chats.length).toBeGreaterThan(0);
    for (const c of chats) expect(activitySpanIds.has(c.parentSpanId!), `chat span parent ${byId.get(c.parentSpanId!)?.name}`).toBe(true);
    const transcriptions = inTrace.filter((s) => s.name === 'POST /v1/audio/transcriptions');
    expect(transcriptions.length).toBeGreaterThan(0);
    const transcribeRuns = new Set(runs.get('transcribeChannel')!.map((s) => s.spanId));
    for (const t of transcriptions) expect(transcribeRuns.has(t.parentSpanId!)).toBe(true);
    const providerCalls = inTrace.filter((s) => s.kind === 3 && s.name.startsWith('POST ') && chats.some((c) => c.spanId === s.parentSpanId));
    expect(providerCalls).toHaveLength(llm.requests.length);
    // The provider got the traceparent of the gateway's call span.
    for (const r of llm.requests) expect(providerCalls.map((p) => `00-${traceId}-${p.spanId}-01`)).toContain(r.headers.traceparent);

    // Parent links intact: every span's parent is in the trace, except the client's own.
    const orphans = inTrace.filter((s) => s.parentSpanId !== clientSpan && !byId.has(s.parentSpanId ?? ''));
    expect(orphans.map((s) => `${s.name} → ${s.parentSpanId}`)).toEqual([]);
    // Nothing of the evaluation went into a trace of its own.
    expect(otlp.spans.filter((s) => s.traceId !== traceId && /Workflow|Activity|chat|transcriptions/.test(s.name)).map((s) => s.name)).toEqual([]);

    // Log lines carry the trace: each activity's completion line has the ids of its RunActivity span.
    const completed = lines.filter((l) => l.component === 'worker' && l.msg === 'activity completed' && l.workflowId === workflowId);
    expect(completed.length).toBe(scheduled.length);
    for (const l of completed) {
      expect(l.traceId).toBe(traceId);
      expect(byId.get(l.spanId!)?.name).toBe(`RunActivity:${l.activity}`);
    }
  }, 300_000);
});
