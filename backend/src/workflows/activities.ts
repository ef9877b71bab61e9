import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Context, ApplicationFailure } from '@temporalio/activity';
import { AppError, isAppError } from '../../../app/contracts/errors';
import { sectionOutputSchema, sectionOutputToAnalysis } from '../../../app/rubric/section-schema';
import { computeConversationMetrics } from '../../../app/metrics/conversation-metrics';
import { verifyAnalysis } from '../../../app/evidence/verify-analysis';
import { legacyToVerified } from '../../../app/evidence/legacy-to-units';
import { ModelAnalysis } from '../../../app/evidence/legacy-analysis';
import { splitIntoUnits } from '../../../app/transcript/units';
import { buildAnalysisPrompt, splitRubricForCalls } from '../../../app/rubric/prompt';
import { VerifiedAnalysis } from '../../../app/rubric/analysis';
import { ConversationMetrics } from '../../../app/metrics/metrics-model';
import { Segment, Transcript, mergeChannelSegments, type Channel, type SpeechRegion } from '../../../app/transcript/transcript';
import type { ReportModel } from '../../../app/report/report-model';
import type { BlobRef } from '../blobs/blob-store';
import { validateRecording } from '../audio/validate-recording';
import { decodeChannels } from '../audio/decode';
import { findChannelSpeech } from '../audio/channel-speech';
import { echoBleedOfDecoded } from '../audio/echo-bleed-check';
import { analyzeWithModel } from '../llm/rubric-analysis';
import { createGatewaySttEngine } from '../stt/gateway-stt-engine';
import { renderReportPdf } from '../report/render-pdf';
import type { EvaluationDeps } from './evaluation-deps';
import { reportNotices } from './report-notices';
import type { AssembledTranscript, EvaluationStep, PreparedRecording } from './evaluation-types';

interface Ids {
  orgId: string;
  sessionId: string;
  evaluationId: string;
}

const artefactKey = (evaluationId: string, name: string) => `evaluations/${evaluationId}/${name}`;

/** AppErrors cross into Temporal as ApplicationFailures whose type is the stable code. */
async function asActivity<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isAppError(e)) {
      const nonRetryable = !['llm.unavailable', 'stt.unavailable', 'upstream.unavailable', 'upstream.timeout', 'rate.limited', 'idempotency.in_flight', 'internal', 'crypto.key_unavailable'].includes(e.code);
      throw ApplicationFailure.create({ message: e.message, type: e.code, nonRetryable, details: e.details ? [e.details] : [] });
    }
    throw e;
  }
}

/** Heartbeat on a timer while a long native call runs (it cannot heartbeat itself). */
async function withHeartbeat<T>(fn: () => Promise<T>, details?: () => unknown): Promise<T> {
  const ctx = safeContext();
  if (!ctx) return fn();
  const t = setInterval(() => ctx.heartbeat(details?.()), 2000);
  try {
    return await fn();
  } finally {
    clearInterval(t);
  }
}

function safeContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Every reference is read as the input's org: one of another org is refused (`blob.foreign_org`) before a byte is read. */
async function readJson<T>(deps: EvaluationDeps, orgId: string, ref: BlobRef, parse: (v: unknown) => T): Promise<T> {
  return parse(JSON.parse(Buffer.from(await deps.blobs.getBytes(orgId, ref)).toString('utf8')));
}

const putJson = (deps: EvaluationDeps, orgId: string, key: string, value: unknown) => deps.blobs.putBytes(orgId, key, new TextEncoder().encode(JSON.stringify(value)));

export function createActivities(deps: EvaluationDeps) {
  async function progress(ids: Ids, step: EvaluationStep, fraction: number) {
    await deps.store.setProgress(ids.orgId, ids.evaluationId, step, Math.max(0, Math.min(1, fraction)));
  }

  /** Decrypt the recording to a private scratch file for ffmpeg, and always remove it. */
  async function withRecordingFile<T>(ids: Ids, recording: BlobRef, fn: (file: string) => Promise<T>): Promise<T> {
    const dir = path.join(deps.workDir, ids.evaluationId, `${process.pid}-${Math.random().toString(36).slice(2)}`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, 'recording');
    try {
      await deps.blobs.getToFile(ids.orgId, recording, file);
      return await fn(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return {
    async prepareRecording(input: Ids & { recording: BlobRef; requestedBy?: string }): Promise<PreparedRecording> {
      return asActivity(async () => {
        await deps.access.requireEvaluate(input.orgId, input.sessionId, input.requestedBy);
        await progress(input, 'decoding', 0.02);
        return withRecordingFile(input, input.recording, async (file) => {
          const probe = await validateRecording(file, deps.limits);
          const { audio, regions } = await withHeartbeat(() => findChannelSpeech(file, probe));
          const echo = echoBleedOfDecoded(audio);
          await progress(input, 'decoding', 0.08);
          return {
            durationSec: audio.durationSec,
            regions,
            container: probe.container,
            codec: probe.codec,
            echoBleed: { detected: echo.detected, correlation: echo.correlation, lagMs: echo.lagMs, bleedRatioDb: echo.bleedRatioDb },
          };
        });
      });
    },

    async transcribeChannel(input: Ids & { recording: BlobRef; channel: Channel; regions: SpeechRegion[]; durationSec: number }): Promise<BlobRef> {
      return asActivity(async () => {
        const base = 0.1 + input.channel * 0.25;
        await progress(input, 'transcribing', base);
        const owner = (await deps.store.getReportContext(input.orgId, input.sessionId)).ownerUserId;
        const engine = createGatewaySttEngine({
          baseURL: deps.gateway.baseURL,
          apiKey: await deps.gateway.credential(input.orgId),
          model: deps.gateway.sttModel,
          purpose: 'transcription',
          sessionId: input.sessionId,
          userId: owner,
          // Windows already transcribed by an attempt that crashed are answered from the gateway's record, not charged again.
          idempotencyPrefix: `${input.evaluationId}-stt-ch${input.channel}`,
        });
        const segments = await withRecordingFile(input, input.recording, async (file) => {
          const audio = await decodeChannels(file);
          let last = 0;
          return withHeartbeat(
            () =>
              engine.transcribeChannel({ pcm: audio.channels[input.channel], sampleRate: 16000, channel: input.channel, regions: input.regions }, (f) => {
                last = f;
                void progress(input, 'transcribing', base + 0.25 * f).catch(() => undefined);
              }),
            () => ({ fraction: last }),
          );
        });
        return putJson(deps, input.orgId, artefactKey(input.evaluationId, `transcript-ch${input.channel}.json`), { segments, engine: { name: engine.name, model: engine.model } });
      });
    },

    async assembleTranscript(input: Ids & { parts: BlobRef[]; prepared: PreparedRecording }): Promise<AssembledTranscript> {
      return asActivity(async () => {
        await progress(input, 'metrics', 0.6);
        const parts = await Promise.all(input.parts.map((p) => readJson(deps, input.orgId, p, (v) => v as { segments: unknown[]; engine: { name: string; model: string } })));
        const [a, b] = parts.map((p) => Segment.array().parse(p.segments));
        const transcript = Transcript.parse({ segments: mergeChannelSegments(a ?? [], b ?? []), language: 'en', durationSec: input.prepared.durationSec, engine: parts[0]!.engine });
        const metrics = computeConversationMetrics({ segments: transcript.segments, durationSec: transcript.durationSec, speechRegions: [...input.prepared.regions[0], ...input.prepared.regions[1]] });
        await deps.store.saveTranscript(input.orgId, input.sessionId, input.evaluationId, transcript, metrics);
        const [tRef, mRef] = await Promise.all([
          putJson(deps, input.orgId, artefactKey(input.evaluationId, 'transcript.json'), transcript),
          putJson(deps, input.orgId, artefactKey(input.evaluationId, 'metrics.json'), metrics),
        ]);
        return { transcript: tRef, metrics: mRef, words: transcript.segments.reduce((n, s) => n + s.words.length, 0) };
      });
    },

    async planAnalysis(input: Ids & { rubricId: string }): Promise<string[]> {
      return asActivity(async () => splitRubricForCalls(await deps.rubric(input.rubricId)).map((s) => s.id));
    },

    /**
     * One LLM call per rubric section. The answer is stored under a deterministic key before the
     * activity completes, so a retry after a crash reuses it instead of paying for the call again;
     * the Idempotency-Key lets the governance gateway dedupe a call that was in flight.
     */
    async analyzeSection(input: Ids & { rubricId: string; sectionId: string; transcript: BlobRef; index: number; of: number; idempotencyKey: string }): Promise<BlobRef> {
      return asActivity(async () => {
        const key = artefactKey(input.evaluationId, `analysis-${input.sectionId}.json`);
        const existing = await deps.blobs.head(input.orgId, key);
        if (existing) return existing;
        await progress(input, 'analyzing', 0.62 + (0.28 * input.index) / input.of);
        const rubric = await deps.rubric(input.rubricId);
        const transcript = await readJson(deps, input.orgId, input.transcript, (v) => Transcript.parse(v));
        const ctx = await deps.store.getReportContext(input.orgId, input.sessionId);
        const prompt = buildAnalysisPrompt(rubric, transcript, { section: input.sectionId, participants: { clinician: ctx.participants[0].displayName, patient: ctx.participants[1].displayName } });
        const section = splitRubricForCalls(rubric).find((x) => x.id === input.sectionId);
        if (!section) throw new AppError('rubric.not_found', `Rubric ${rubric.id} has no section ${input.sectionId}`);
        const apiKey = await deps.gateway.credential(input.orgId);
        const result = await withHeartbeat(() =>
          analyzeWithModel({
            baseURL: deps.gateway.baseURL,
            apiKey,
            model: deps.gateway.chatModel,
            system: prompt.system,
            user: prompt.user,
            schema: sectionOutputSchema(section),
            idempotencyKey: input.idempotencyKey,
            headers: { 'X-FE-Purpose': 'rubric_analysis', 'X-FE-Session': input.sessionId, 'X-FE-User': ctx.ownerUserId },
          }),
        );
        return putJson(deps, input.orgId, key, { output: sectionOutputToAnalysis(result.object), usage: result.usage, model: result.model });
      });
    },

    async verifyEvidence(input: Ids & { rubricId: string; transcript: BlobRef; outputs: BlobRef[] }): Promise<BlobRef> {
      return asActivity(async () => {
        await progress(input, 'verifying', 0.9);
        const rubric = await deps.rubric(input.rubricId);
        const transcript = await readJson(deps, input.orgId, input.transcript, (v) => Transcript.parse(v));
        const outputs = await Promise.all(input.outputs.map((o) => readJson(deps, input.orgId, o, (v) => v as { output: unknown; model: string; usage?: { inputTokens: number; outputTokens: number } })));
        const merged = ModelAnalysis.parse({
          items: outputs.flatMap((o) => ModelAnalysis.parse(o.output).items),
          summary: outputs.map((o) => ModelAnalysis.parse(o.output).summary).filter(Boolean).join(' '),
          strengths: outputs.flatMap((o) => ModelAnalysis.parse(o.output).strengths),
          suggestions: outputs.flatMap((o) => ModelAnalysis.parse(o.output).suggestions),
        });
        const legacy = verifyAnalysis(merged, rubric, transcript, { model: outputs[0]?.model ?? deps.gateway.chatModel });
        const analysis = legacyToVerified(legacy, rubric, splitIntoUnits(transcript), {
          calls: outputs.length,
          promptTokens: outputs.reduce((n, o) => n + (o.usage?.inputTokens ?? 0), 0),
          completionTokens: outputs.reduce((n, o) => n + (o.usage?.outputTokens ?? 0), 0),
        });
        await deps.store.saveAnalysis(input.orgId, input.sessionId, input.evaluationId, analysis);
        return putJson(deps, input.orgId, artefactKey(input.evaluationId, 'analysis.json'), analysis);
      });
    },

    async renderReport(input: Ids & { rubricId: string; transcript: BlobRef; metrics: BlobRef; analysis: BlobRef; prepared?: PreparedRecording }): Promise<{ report: BlobRef; pages: number }> {
      return asActivity(async () => {
        await progress(input, 'rendering', 0.94);
        const [rubric, transcript, metrics, analysis, ctx] = await Promise.all([
          deps.rubric(input.rubricId),
          readJson(deps, input.orgId, input.transcript, (v) => Transcript.parse(v)),
          readJson(deps, input.orgId, input.metrics, (v) => ConversationMetrics.parse(v)),
          readJson(deps, input.orgId, input.analysis, (v) => VerifiedAnalysis.parse(v)),
          deps.store.getReportContext(input.orgId, input.sessionId),
        ]);
        const model: ReportModel = {
          session: { id: input.sessionId, title: ctx.title, recordedAt: ctx.recordedAt, durationSec: transcript.durationSec, orgName: ctx.orgName },
          participants: ctx.participants,
          rubric: { id: rubric.id, version: rubric.version, title: rubric.title, attribution: rubric.attribution },
          metrics,
          analysis,
          transcript,
          notices: reportNotices(input.prepared),
          generatedAt: new Date().toISOString(),
          engine: { stt: `${transcript.engine.name} (${transcript.engine.model})`, llm: analysis.model },
        };
        const { pdf, pages } = await withHeartbeat(() => renderReportPdf(model));
        const report = await deps.blobs.putBytes(input.orgId, artefactKey(input.evaluationId, 'report.pdf'), pdf);
        await deps.store.saveReport(input.orgId, input.sessionId, input.evaluationId, report, pages);
        return { report, pages };
      });
    },

    async completeEvaluation(input: Ids & { report: BlobRef; pages: number }): Promise<void> {
      return asActivity(() => deps.store.complete(input.orgId, input.sessionId, input.evaluationId));
    },

    async failEvaluation(input: Ids & { code: string; message: string; step: EvaluationStep }): Promise<void> {
      return asActivity(() => deps.store.fail(input.orgId, input.sessionId, input.evaluationId, input.code, `${input.message} (during ${input.step})`));
    },
  };
}

export type EvaluationActivities = ReturnType<typeof createActivities>;

