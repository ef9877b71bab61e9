/**
 * Streaming sample-rate conversion for the draft transcriber's 16 kHz feed (the audio graph runs
 * at the device rate, usually 48 kHz). A windowed-sinc low-pass at 90 % of the output's Nyquist
 * keeps the speech band and stops aliasing; one kernel per output phase, computed once (48 → 16 kHz
 * has one phase, 44.1 → 16 kHz 160). Chunk boundaries change nothing: the output of any split of
 * the input equals the output of the whole. Runtime-free, so the AudioWorklet can bundle it.
 */
const ZERO_CROSSINGS = 8;

function gcd(a: number, b: number): number {
  return b ? gcd(b, a % b) : a;
}

export class StreamingResampler {
  private readonly up: number;
  private readonly down: number;
  /** Taps either side of the output position, in input samples. */
  private readonly half: number;
  private readonly kernels: Float32Array[] = [];
  private readonly cutoff: number;
  /** Input samples from absolute index `base` on. */
  private buf = new Float32Array(0);
  private len = 0;
  private base = 0;
  /** Index of the next output sample. */
  private k = 0;

  constructor(readonly inRate: number, readonly outRate: number) {
    if (!(inRate > 0 && outRate > 0) || !Number.isInteger(inRate) || !Number.isInteger(outRate)) throw new Error(`unsupported rates ${inRate} → ${outRate}`);
    const g = gcd(inRate, outRate);
    this.up = outRate / g;
    this.down = inRate / g;
    const ratio = inRate / outRate;
    // Cut-off in cycles per input sample.
    this.cutoff = ratio > 1 ? 0.45 / ratio : 0.45;
    this.half = Math.ceil(ZERO_CROSSINGS / (2 * this.cutoff));
  }

  /** Weights for input samples n0 - half + 1 … n0 + half, at output phase p (position n0 + p / up). */
  private kernel(p: number): Float32Array {
    let w = this.kernels[p];
    if (w) return w;
    w = new Float32Array(2 * this.half);
    const frac = p / this.up;
    let sum = 0;
    for (let j = 0; j < w.length; j++) {
      const d = j - this.half + 1 - frac;
      const x = 2 * this.cutoff * d;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const blackman = 0.42 + 0.5 * Math.cos((Math.PI * d) / this.half) + 0.08 * Math.cos((2 * Math.PI * d) / this.half);
      w[j] = Math.abs(d) < this.half ? sinc * blackman : 0;
      sum += w[j]!;
    }
    // Unit gain at DC.
    for (let j = 0; j < w.length; j++) w[j]! /= sum;
    this.kernels[p] = w;
    return w;
  }

  /** Appends input; returns the output samples that are now complete. */
  process(input: Float32Array): Float32Array {
    if (this.len + input.length > this.buf.length) {
      const grown = new Float32Array(Math.max(this.len + input.length, this.buf.length * 2, 4096));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(input, this.len);
    this.len += input.length;
    const end = this.base + this.len;
    const out: number[] = [];
    for (;;) {
      const n0 = Math.floor((this.k * this.down) / this.up);
      if (n0 + this.half >= end) break;
      const w = this.kernel((this.k * this.down) % this.up);
      let acc = 0;
      // Before the first sample the signal counts as silence.
      for (let j = 0; j < w.length; j++) {
        const i = n0 - this.half + 1 + j - this.base;
        if (i >= 0) acc += w[j]! * this.buf[i]!;
      }
      out.push(acc);
      this.k++;
    }
    // Keep what the next output still needs.
    const keepFrom = Math.floor((this.k * this.down) / this.up) - this.half + 1 - this.base;
    if (keepFrom > 0) {
      this.buf.copyWithin(0, keepFrom, this.len);
      this.len -= keepFrom;
      this.base += keepFrom;
    }
    return Float32Array.from(out);
  }
}
