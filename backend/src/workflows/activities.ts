import { mkdir, rm } from 'node:fs/promises';
import { traceHeaders } from '../ops/tracing';
import { orderedProgress } from './ordered-progress';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { AppError } from '../../../app/contracts/errors';
import { computeConversationMetrics } from '../../../app/metrics/conversation-metrics';
import { splitIntoUnits } from '../../../app/transcript/units';
import { assembleAnalysis } from '../../../app/rubric/assemble-analysis';
import { VerifiedAnalysis, type CoderInfo } from '../../../app/rubric/analysis';
import type { CallOutcome, CodingAnswer, NarrativeAnswer, SectionAnswer } from '../../../app/rubric/model-output';
import { ConversationMetrics } from '../../../app/metrics/metrics-model';
import { Segment, Transcript, mergeChannelSegments, type Channel, type SpeechRegion } from '../../../app/transcript/transcript';
import type { ReportModel } from '../../../app/report/report-model';
import type { BlobRef } from '../blobs/blob-store';
import { validateRecording } from '../audio/validate-recording';
import { decodeChannels } from '../audio/decode';
import { findChannelSpeech } from '../audio/channel-speech';
import { echoBleedOfDecoded } from '../audio/echo-bleed-check';
import { scoreSection, writeNarrative } from '../analysis/analysis-steps';
import { addUsage, NO_USAGE, type CallUsage, type LlmEndpoint } from '../analysis/llm-endpoint';
import { countsOfCoding, unitCodesOfCoding, failUniformSections, itemScores } from '../analysis/run-analysis';
import { createLlmCoder } from '../coding/llm-coder';
import type { UnitCoder } from '../coding/unit-coder';
import { createGatewaySttEngine } from '../stt/gateway-stt-engine';
import { renderReportPdf } from '../report/render-pdf';
import type { EvaluationDeps } from './evaluation-deps';
import { reportNotices } from './report-notices';
import { toActivityFailure } from './activity-failure';
import type { AssembledTranscript, EvaluationStep, PreparedRecording } from './evaluation-types';

interface Ids {
  orgId: string;
  sessionId: string;
  evaluationId: string;
  /** The API request that started the evaluation, passed on to the gateway as X-Request-Id. */
  requestId?: string;
}

const artefactKey = (evaluationId: string, name: string) => `evaluations/${evaluationId}/${name}`;

/** What each analysis step stores (one blob per step, read back by the next steps and by assembleAnalysis). */
interface StoredCoding {
  coder: CoderInfo;
  outcome: CallOutcome<CodingAnswer>;
  usage: CallUsage;
}
interface StoredSection {
  sectionId: string;
  attempts: number;
  outcome: CallOutcome<SectionAnswer>;
  usage: CallUsage;
  model: string;
}
interface StoredNarrative {
  attempts: number;
  outcome: CallOutcome<NarrativeAnswer>;
  usage: CallUsage;
  model: string;
}

/**
 * Progress (0..1 of the whole evaluation) over the analysis steps, from measured step times of the
 * sample on the embedded model: transcription ≈ a third, coding ≈ a quarter, sections and the narrative the rest.
 */
export const ANALYSIS_PROGRESS = { coding: [0.46, 0.66], sections: [0.66, 0.84], narrative: [0.84, 0.92] } as const;

/** Every activity's body: its AppErrors leave as coded ApplicationFailures (activity-failure.ts). */
async function asActivity<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toActivityFailure(e);
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

/** An artefact of the evaluation, stored only while the evaluation exists (an erased session gets nothing back). */
const putArtefact = (deps: EvaluationDeps, ids: Pick<Ids, 'orgId' | 'evaluationId'>, name: string, data: Uint8Array) =>
  deps.store.whileEvaluationExists(ids.orgId, ids.evaluationId, () => deps.blobs.putBytes(ids.orgId, artefactKey(ids.evaluationId, name), data));
const putJson = (deps: EvaluationDeps, ids: Pick<Ids, 'orgId' | 'evaluationId'>, name: string, value: unknown) => putArtefact(deps, ids, name, new TextEncoder().encode(JSON.stringify(value)));

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

  /** The rubric and the transcript's units: the same units (splitIntoUnits is pure) in every step of one evaluation. */
  async function analysisInput(input: Ids & { rubricId: string; transcript: BlobRef }) {
    const [rubric, transcript] = await Promise.all([deps.rubric(input.rubricId), readJson(deps, input.orgId, input.transcript, (v) => Transcript.parse(v))]);
    return { rubric, units: splitIntoUnits(transcript) };
  }

  /** Runs `make` unless its answer is already stored under the step's deterministic key. */
  async function once<T>(ids: Ids, name: string, make: () => Promise<T>): Promise<BlobRef> {
    const existing = await deps.blobs.head(ids.orgId, artefactKey(ids.evaluationId, `analysis/${name}.json`));
    if (existing) return existing;
    return putJson(deps, ids, `analysis/${name}.json`, await make());
  }

  /** The gateway as the analysis's LLM endpoint, with the org's credential and the call's purpose, session and user. */
  async function endpoint(ids: Ids): Promise<LlmEndpoint> {
    const ctx = await deps.store.getReportContext(ids.orgId, ids.sessionId);
    return {
      baseURL: deps.gateway.baseURL,
      apiKey: await deps.gateway.credential(ids.orgId),
      model: deps.gateway.chatModel,
      headers: { 'X-FE-Purpose': 'rubric_analysis', 'X-FE-Session': ids.sessionId, 'X-FE-User': ctx.ownerUserId, ...(ids.requestId ? { 'X-Request-Id': ids.requestId } : {}), ...traceHeaders() },
    };
  }

  async function chooseCoder(ids: Ids, idempotencyKey: string): Promise<UnitCoder> {
    const choice = deps.coder ?? { kind: 'llm' as const };
    if (choice.kind === 'classifier') return choice.load();
    return createLlmCoder(await endpoint(ids), { idempotencyKey });
  }

  const readCoding = (ids: Ids, ref: BlobRef | null) => (ref ? readJson(deps, ids.orgId, ref, (v) => v as StoredCoding) : Promise.resolve(null));
  const readSections = (ids: Ids, refs: BlobRef[]) => Promise.all(refs.map((r) => readJson(deps, ids.orgId, r, (v) => v as StoredSection)));

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
        const base = 0.1 + input.channel * 0.175;
        await progress(input, 'transcribing', base);
        const owner = (await deps.store.getReportContext(input.orgId, input.sessionId)).ownerUserId;
        const engine = createGatewaySttEngine({
          baseURL: deps.gateway.baseURL,
          apiKey: await deps.gateway.credential(input.orgId),
          model: deps.gateway.sttModel,
          purpose: 'transcription',
          sessionId: input.sessionId,
          userId: owner,
          requestId: input.requestId,
          // Windows already transcribed by an attempt that crashed are answered from the gateway's record, not charged again.
          idempotencyPrefix: `${input.evaluationId}-stt-ch${input.channel}`,
        });
        const segments = await withRecordingFile(input, input.recording, async (file) => {
          const audio = await decodeChannels(file);
          let last = 0;
          const reporter = orderedProgress((f) => progress(input, 'transcribing', base + 0.175 * f));
          const segments = await withHeartbeat(
            () =>
              engine.transcribeChannel({ pcm: audio.channels[input.channel], sampleRate: 16000, channel: input.channel, regions: input.regions }, (f) => {
                last = f;
                reporter.report(f);
              }),
            () => ({ fraction: last }),
          );
          await reporter.settle();
          return segments;
        });
        return putJson(deps, input, `transcript-ch${input.channel}.json`, { segments, engine: { name: engine.name, model: engine.model } });
      });
    },

    async assembleTranscript(input: Ids & { parts: BlobRef[]; prepared: PreparedRecording }): Promise<AssembledTranscript> {
      return asActivity(async () => {
        await progress(input, 'metrics', 0.45);
        const parts = await Promise.all(input.parts.map((p) => readJson(deps, input.orgId, p, (v) => v as { segments: unknown[]; engine: { name: string; model: string } })));
        const [a, b] = parts.map((p) => Segment.array().parse(p.segments));
        const transcript = Transcript.parse({ segments: mergeChannelSegments(a ?? [], b ?? []), language: 'en', durationSec: input.prepared.durationSec, engine: parts[0]!.engine });
        const metrics = computeConversationMetrics({ segments: transcript.segments, durationSec: transcript.durationSec, speechRegions: [...input.prepared.regions[0], ...input.prepared.regions[1]] });
        await deps.store.saveTranscript(input.orgId, input.sessionId, input.evaluationId, transcript, metrics);
        const [tRef, mRef] = await Promise.all([
          putJson(deps, input, 'transcript.json', transcript),
          putJson(deps, input, 'metrics.json', metrics),
        ]);
        return { transcript: tRef, metrics: mRef, words: transcript.segments.reduce((n, s) => n + s.words.length, 0) };
      });
    },

    /** The rubric's sections, in order: one analyzeSection each. */
    async planAnalysis(input: Ids & { rubricId: string }): Promise<{ sections: string[]; coding: boolean }> {
      return asActivity(async () => {
        const rubric = await deps.rubric(input.rubricId);
        return { sections: rubric.sections.map((s) => s.id), coding: rubric.coding !== undefined };
      });
    },

    /**
     * Every clinician unit gets one code (LLM or classifier, FE_CODER). Like every analysis step,
     * the answer is stored under a deterministic key before the activity completes: a retry after
     * a crash reuses it instead of paying for the calls again, and the Idempotency-Key lets the
     * gateway answer calls that were in flight from its record.
     */
    async codeUnits(input: Ids & { rubricId: string; transcript: BlobRef; idempotencyKey: string }): Promise<BlobRef | null> {
      return asActivity(async () => {
        const { rubric, units } = await analysisInput(input);
        if (!rubric.coding) return null;
        return once(input, 'coding', async () => {
          await progress(input, 'coding', ANALYSIS_PROGRESS.coding[0]);
          const coder = await chooseCoder(input, `${input.idempotencyKey}`);
          const [from, to] = ANALYSIS_PROGRESS.coding;
          const reporter = orderedProgress((f) => progress(input, 'coding', from + (to - from) * f));
          const r = await withHeartbeat(() => coder.code({ units, book: rubric.coding!, onProgress: (f) => reporter.report(f) }));
          await reporter.settle();
          return { coder: coder.info, outcome: r.outcome, usage: r.usage } satisfies StoredCoding;
        });
      });
    },

    /** One LLM call (and at most one retry) per rubric section, citing unit ids. */
    async analyzeSection(input: Ids & { rubricId: string; sectionId: string; transcript: BlobRef; coding: BlobRef | null; index: number; of: number; idempotencyKey: string }): Promise<BlobRef> {
      return asActivity(async () => {
        const { rubric, units } = await analysisInput(input);
        const section = rubric.sections.find((x) => x.id === input.sectionId);
        if (!section) throw new AppError('rubric.not_found', `Rubric ${rubric.id} has no section ${input.sectionId}`);
        return once(input, `section-${section.id}`, async () => {
          const [from, to] = ANALYSIS_PROGRESS.sections;
          await progress(input, 'analyzing', from + ((to - from) * input.index) / input.of);
          const coding = await readCoding(input, input.coding);
          const r = await withHeartbeat(async () => scoreSection({ llm: await endpoint(input), rubric, section, units, book: rubric.coding, counts: countsOfCoding(rubric.coding, units, coding?.outcome), unitCodes: unitCodesOfCoding(rubric.coding, units, coding?.outcome), idempotencyKey: input.idempotencyKey }));
          return { sectionId: section.id, attempts: r.attempts, outcome: r.outcome, usage: r.usage, model: r.model } satisfies StoredSection;
        });
      });
    },

    /** Summary, strengths and suggestions, given the codes and the item scores. */
    async writeNarrative(input: Ids & { rubricId: string; transcript: BlobRef; coding: BlobRef | null; sections: BlobRef[]; idempotencyKey: string }): Promise<BlobRef> {
      return asActivity(async () => {
        const { rubric, units } = await analysisInput(input);
        return once(input, 'narrative', async () => {
          await progress(input, 'summarizing', ANALYSIS_PROGRESS.narrative[0]);
          const coding = await readCoding(input, input.coding);
          const unitCodes = unitCodesOfCoding(rubric.coding, units, coding?.outcome);
          const sections = failUniformSections(rubric, await readSections(input, input.sections), unitCodes);
          const ctx = await deps.store.getReportContext(input.orgId, input.sessionId);
          const r = await withHeartbeat(async () =>
            writeNarrative({
              llm: await endpoint(input),
              rubric,
              units,
              book: rubric.coding,
              counts: countsOfCoding(rubric.coding, units, coding?.outcome),
              unitCodes,
              scores: itemScores(rubric, sections),
              participants: { clinician: ctx.participants[0].displayName, patient: ctx.participants[1].displayName },
              idempotencyKey: input.idempotencyKey,
            }),
          );
          return { attempts: r.attempts, outcome: r.outcome, usage: r.usage, model: r.model } satisfies StoredNarrative;
        });
      });
    },

    /** The stored answers checked and put together (assembleAnalysis): ids resolved or rejected, codes counted, indicators computed. */
    async assembleAnalysis(input: Ids & { rubricId: string; transcript: BlobRef; coding: BlobRef | null; sections: BlobRef[]; narrative: BlobRef }): Promise<BlobRef> {
      return asActivity(async () => {
        await progress(input, 'verifying', ANALYSIS_PROGRESS.narrative[1]);
        const { rubric, units } = await analysisInput(input);
        const coding = await readCoding(input, input.coding);
        const sections = await readSections(input, input.sections);
        const narrative = await readJson(deps, input.orgId, input.narrative, (v) => v as StoredNarrative);
        const usage = [coding?.usage, ...sections.map((s) => s.usage), narrative.usage].reduce<CallUsage>((a, b) => (b ? addUsage(a, b) : a), NO_USAGE);
        const analysis = assembleAnalysis({
          rubric,
          units,
          model: narrative.model ?? sections[0]?.model ?? deps.gateway.chatModel,
          coding: coding ? { coder: coding.coder, outcome: coding.outcome } : null,
          sections: failUniformSections(rubric, sections, unitCodesOfCoding(rubric.coding, units, coding?.outcome)).map((s) => ({ sectionId: s.sectionId, attempts: s.attempts, outcome: s.outcome })),
          narrative: { attempts: narrative.attempts, outcome: narrative.outcome },
          usage,
        });
        await deps.store.saveAnalysis(input.orgId, input.sessionId, input.evaluationId, analysis);
        return putJson(deps, input, 'analysis.json', analysis);
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
        const report = await putArtefact(deps, input, 'report.pdf', pdf);
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

