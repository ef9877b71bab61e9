import type { Rubric } from '../../../app/rubric/rubric';
import type { VerifiedAnalysis } from '../../../app/rubric/analysis';
import type { ConversationMetrics } from '../../../app/metrics/metrics-model';
import type { ReportModel } from '../../../app/report/report-model';
import type { Transcript } from '../../../app/transcript/transcript';
import type { BlobRef, BlobStore } from '../blobs/blob-store';
import type { UnitCoder } from '../coding/unit-coder';
import type { EvaluationStep } from './evaluation-types';

/** What the evaluation activities persist; implemented over the repositories (RLS per org). */
export interface EvaluationStore {
  /** ownerUserId: the session's clinician, on whose behalf AI calls are budgeted (per-user budgets). */
  getReportContext(orgId: string, sessionId: string): Promise<{ title: string; recordedAt: string; orgName: string; ownerUserId: string; participants: ReportModel['participants'] }>;
  setProgress(orgId: string, evaluationId: string, step: EvaluationStep, progress: number): Promise<void>;
  saveTranscript(orgId: string, sessionId: string, evaluationId: string, transcript: Transcript, metrics: ConversationMetrics): Promise<void>;
  saveAnalysis(orgId: string, sessionId: string, evaluationId: string, analysis: VerifiedAnalysis): Promise<void>;
  saveReport(orgId: string, sessionId: string, evaluationId: string, report: BlobRef, pages: number): Promise<void>;
  complete(orgId: string, sessionId: string, evaluationId: string): Promise<void>;
  fail(orgId: string, sessionId: string, evaluationId: string, code: string, message: string): Promise<void>;
  /**
   * Runs `write` (an artefact blob of the evaluation) while the evaluation's row is locked against
   * deletion; an erased evaluation answers `session.not_found` and nothing is written. Erasure
   * waits for a write under way and then removes what it wrote (session-erasure.ts).
   */
  whileEvaluationExists<T>(orgId: string, evaluationId: string, write: () => Promise<T>): Promise<T>;
}

/**
 * How activities reach AI models: only through the governance gateway, with a credential of the
 * org they work for. They never hold a provider key (issue 4; docs/decisions/008).
 */
export interface GatewayAccess {
  /** OpenAI-compatible base URL of the gateway, …/v1. */
  baseURL: string;
  /** The org's workload credential for the gateway. */
  credential(orgId: string): Promise<string>;
  /** Public model names the gateway routes. */
  chatModel: string;
  sttModel: string;
}

/** The access policy as the worker sees it (backend/src/access/evaluation-access.ts). */
export interface EvaluationAccess {
  /** Throws (session.not_found, auth.forbidden) unless `userId` may session.evaluate the session. */
  requireEvaluate(orgId: string, sessionId: string, userId: string | undefined): Promise<void>;
}

export interface EvaluationDeps {
  blobs: BlobStore;
  access: EvaluationAccess;
  store: EvaluationStore;
  gateway: GatewayAccess;
  rubric(id: string): Promise<Rubric>;
  /**
   * Who codes the clinician units (FE_CODER): a trained classifier (the runtime's default, loaded by
   * whoever wires the worker) or the LLM through the gateway (when absent, as in most tests).
   */
  coder?: { kind: 'llm' } | { kind: 'classifier'; load(): Promise<UnitCoder> };
  limits: { maxBytes: number; maxDurationSec: number };
  /** Scratch folder for decrypted recordings; cleaned after each step. */
  workDir: string;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}
