import type { EVALUATION_STEP_IDS } from '../contracts/evaluation-steps';

type StepId = (typeof EVALUATION_STEP_IDS)[number];

/** How long a step takes: a fixed part plus a part per second of recording. */
export interface StepRate {
  fixedSec: number;
  perAudioSec: number;
}

/**
 * The one place the evaluation's measured step rates are declared (issue 13: a remaining-time
 * estimate from the recording's length). Fitted through the two runs of bench/results/pipeline.json
 * (measured 2026-12-03 on 2 CPUs, whisper.cpp tiny.en and qwen2.5-coder-1.5b locally; a 175 s
 * sample and a 1776 s synthetic session), per workflow step id; each id is the activities it runs:
 *   decoding ← prepareRecording; transcribing ← transcribeChannel ×2; metrics ← assembleTranscript +
 *   planAnalysis; coding ← codeUnits; analyzing ← analyzeSection; summarizing ← writeNarrative;
 *   verifying ← assembleAnalysis; rendering ← renderReport + completeEvaluation.
 * scripts/step-rates-bench.test.ts checks these still reproduce the bench's figures: re-fit when it is re-run.
 * A faster machine or a hosted model is faster; the estimate scales by the speed seen so far.
 */
export const STEP_RATES: Readonly<Record<StepId, StepRate>> = {
  decoding: { fixedSec: 0.44, perAudioSec: 0.00251 },
  transcribing: { fixedSec: 27.68, perAudioSec: 0.0533 },
  metrics: { fixedSec: 0.05, perAudioSec: 0 },
  coding: { fixedSec: 1.8, perAudioSec: 0 },
  analyzing: { fixedSec: 63.5, perAudioSec: 0.1713 },
  summarizing: { fixedSec: 86.97, perAudioSec: 0.05138 },
  verifying: { fixedSec: 0.05, perAudioSec: 0 },
  rendering: { fixedSec: 0.9, perAudioSec: 0.00007 },
};

/** Where the figures come from (shown nowhere; for the test and a reader). */
export const STEP_RATES_SOURCE = { bench: 'bench/results/pipeline.json', measuredAt: '2026-12-03T23:35:19.914Z' } as const;

export const stepSeconds = (id: StepId, audioSec: number): number => STEP_RATES[id].fixedSec + STEP_RATES[id].perAudioSec * Math.max(0, audioSec);
