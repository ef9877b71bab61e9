import { detectEchoBleedFromEnvelopes, type EchoBleedResult } from '../../app/audio/echo-bleed';

/**
 * A live "use a headset" hint from the level meters the call already reads: keeps the last
 * `windowSec` of both channels' levels (one reading per `frameSec`) and re-checks every `everySec`.
 * Meter readings are coarse (one short window per tick), so the hint needs a stronger correlation
 * than the offline check and two verdicts in a row to change, and it never flickers per reading.
 */
export function createEchoBleedMonitor(opts: { frameSec?: number; windowSec?: number; everySec?: number } = {}) {
  const frameSec = opts.frameSec ?? 0.1;
  const size = Math.round((opts.windowSec ?? 60) / frameSec);
  const every = Math.round((opts.everySec ?? 5) / frameSec);
  const env0: number[] = [];
  const env1: number[] = [];
  let sinceCheck = 0;
  let streak = 0;
  let showing = false;
  let last: EchoBleedResult | null = null;

  return {
    /** One meter reading, [channel 0, channel 1] in dBFS; returns whether the hint is shown. */
    push([l0, l1]: readonly [number, number]): boolean {
      env0.push(l0);
      env1.push(l1);
      if (env0.length > size) {
        env0.shift();
        env1.shift();
      }
      if (++sinceCheck < every) return showing;
      sinceCheck = 0;
      last = detectEchoBleedFromEnvelopes(env0, env1, { frameSec, minFarEndSec: 5, detectCorrelation: 0.6, minSpanSec: 1 });
      const verdict = last.reason === 'insufficient_far_end_speech' ? showing : last.detected;
      streak = verdict === showing ? 0 : streak + 1;
      if (streak >= 2) {
        showing = verdict;
        streak = 0;
      }
      return showing;
    },
    get last() {
      return last;
    },
  };
}
