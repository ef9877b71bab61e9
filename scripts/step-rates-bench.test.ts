import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STEP_RATES_SOURCE, stepSeconds } from '../app/evaluation/step-rates';

interface BenchRun {
  name: string;
  audioSec: number;
  stepsSec: Record<string, number>;
}
const bench = JSON.parse(readFileSync(STEP_RATES_SOURCE.bench, 'utf8')) as { measuredAt: string; results: BenchRun[] };

/** The activities behind each workflow step id, as step-rates.ts says. */
const ACTIVITIES = {
  decoding: ['prepareRecording'],
  transcribing: ['transcribeChannel'],
  metrics: ['assembleTranscript', 'planAnalysis'],
  coding: ['codeUnits'],
  analyzing: ['analyzeSection'],
  summarizing: ['writeNarrative'],
  verifying: ['assembleAnalysis'],
  rendering: ['renderReport', 'completeEvaluation'],
} as const;

describe('declared step rates', () => {
  it('come from the pipeline bench run they name', () => {
    expect(bench.measuredAt).toBe(STEP_RATES_SOURCE.measuredAt);
  });

  it('reproduce every measured step of every bench run within 0.5 s or 5 %', () => {
    const off: string[] = [];
    for (const run of bench.results) {
      for (const [id, acts] of Object.entries(ACTIVITIES) as [keyof typeof ACTIVITIES, readonly string[]][]) {
        const measured = acts.reduce((sum, a) => sum + (run.stepsSec[a] ?? 0), 0);
        const declared = stepSeconds(id, run.audioSec);
        if (Math.abs(declared - measured) > Math.max(0.5, measured * 0.05)) off.push(`${run.name} ${id}: declared ${declared.toFixed(2)} s, measured ${measured.toFixed(2)} s`);
      }
      // Every measured activity is counted under some step.
      const counted = new Set(Object.values(ACTIVITIES).flat());
      expect(Object.keys(run.stepsSec).filter((a) => !counted.has(a as never))).toEqual([]);
    }
    expect(off).toEqual([]);
  });
});
