/**
 * AudioWorklet (its own bundle, dist/web/pcm-tap-worklet.js): taps the recorder's two channels,
 * input 0 = local microphone, input 1 = remote track (silence while none is connected, so both
 * channels keep the same timeline), resamples each to 16 kHz mono and posts
 * `{ channels: [Float32Array, Float32Array] }` every CHUNK_SEC. `'flush'` posts what is left,
 * then `{ flushed: true }`.
 */
import { StreamingResampler } from './pcm-resampler';

declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, ctor: new () => AudioWorkletProcessor): void;

const OUT_RATE = 16000;
const CHUNK_SEC = 0.4;

/** Mono mix of an input's channels (a microphone may come as stereo). */
function mono(input: Float32Array[] | undefined, frames: number): Float32Array {
  if (!input?.length) return new Float32Array(frames);
  if (input.length === 1) return input[0]!;
  const out = new Float32Array(frames);
  for (const ch of input) for (let i = 0; i < frames; i++) out[i]! += ch[i]! / input.length;
  return out;
}

class PcmTap extends AudioWorkletProcessor {
  private readonly resamplers = [new StreamingResampler(sampleRate, OUT_RATE), new StreamingResampler(sampleRate, OUT_RATE)];
  private pending: [Float32Array[], Float32Array[]] = [[], []];
  private pendingLen = 0;

  constructor() {
    super();
    this.port.onmessage = (e: MessageEvent) => {
      if (e.data !== 'flush') return;
      this.post();
      this.port.postMessage({ flushed: true });
    };
  }

  process(inputs: Float32Array[][]): boolean {
    const frames = inputs[0]?.[0]?.length ?? inputs[1]?.[0]?.length ?? 128;
    const a = this.resamplers[0]!.process(mono(inputs[0], frames));
    const b = this.resamplers[1]!.process(mono(inputs[1], frames));
    this.pending[0].push(a);
    this.pending[1].push(b);
    this.pendingLen += a.length;
    if (this.pendingLen >= OUT_RATE * CHUNK_SEC) this.post();
    return true;
  }

  private post(): void {
    if (!this.pendingLen) return;
    const channels = this.pending.map((parts) => {
      const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    });
    this.pending = [[], []];
    this.pendingLen = 0;
    this.port.postMessage({ channels }, channels.map((c) => c.buffer));
  }
}

registerProcessor('pcm-tap', PcmTap);
