/** RMS level in dBFS of `samples` between `start` and `end` seconds (the whole array by default). */
export function rmsDbfs(samples: Float32Array, sampleRate: number, span: { start: number; end: number } = { start: 0, end: samples.length / sampleRate }): number {
  const from = Math.max(0, Math.round(span.start * sampleRate));
  const to = Math.min(samples.length, Math.round(span.end * sampleRate));
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! * samples[i]!;
  return 10 * Math.log10(sum / Math.max(1, to - from) + 1e-20);
}

/**
 * The loudest `windowSec` window that lies at least `marginSec` away from every span: how much
 * sound there is where there should be none.
 */
export function loudestOutside(samples: Float32Array, sampleRate: number, spans: { start: number; end: number }[], windowSec = 0.02, marginSec = 0.04): { dbfs: number; at: number } {
  let loudest = { dbfs: -200, at: 0 };
  const duration = samples.length / sampleRate;
  for (let t = 0; t + windowSec <= duration; t += windowSec) {
    if (spans.some((s) => t + windowSec > s.start - marginSec && t < s.end + marginSec)) continue;
    const dbfs = rmsDbfs(samples, sampleRate, { start: t, end: t + windowSec });
    if (dbfs > loudest.dbfs) loudest = { dbfs, at: t };
  }
  return loudest;
}
