// Shared by the workflow (deterministic sandbox) and activities: types and constants only.
import type { SpeechRegion } from '../../../app/transcript/transcript';
import type { BlobRef } from '../blobs/blob-store';

export const EVALUATE_SESSION = 'evaluateSession';

export interface EvaluateSessionInput {
  orgId: string;
  sessionId: string;
  evaluationId: string;
  rubricId: string;
  recording: BlobRef;
  /** The user who started the evaluation; the worker refuses to run unless they may session.evaluate it. */
  requestedBy?: string;
  /** The API request that started it (X-Request-Id): every activity logs it and sends it on to the gateway. */
  requestId?: string;
}

export interface PreparedRecording {
  durationSec: number;
  regions: [SpeechRegion[], SpeechRegion[]];
  container: string;
  codec: string;
  /** The other party heard again in channel 0 (loudspeaker, no headset); absent in runs started before the check existed. */
  echoBleed?: { detected: boolean; correlation: number; lagMs: number; bleedRatioDb: number | null };
}

export interface AssembledTranscript {
  transcript: BlobRef;
  metrics: BlobRef;
  words: number;
}

export interface EvaluateSessionResult {
  report: BlobRef;
  pages: number;
  analysis: BlobRef;
  transcript: BlobRef;
  metrics: BlobRef;
}

export type { EvaluationStep } from '../../../app/contracts/evaluation-steps';
