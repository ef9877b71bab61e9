import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { encodeWav16 } from '../backend/src/audio/wav';
import { synthesizeSpeech } from '../backend/src/testing/synthesized-speech';

const run = promisify(execFile);
export const MIC_RATE = 48000;

/**
 * A fake microphone file: espeak-ng sentences with pauses between them (so each voice has its own
 * on/off pattern), then trailing silence, because Chromium repeats the last 10 ms after the end.
 */
export async function makeMicWav(file: string, opts: { voice: string; sentences: string[]; pauseSec: number; leadSec: number; tailSec: number }): Promise<void> {
  const parts: Float32Array[] = [new Float32Array(Math.round(opts.leadSec * MIC_RATE))];
  for (const s of opts.sentences) {
    parts.push((await synthesizeSpeech(s, { voice: opts.voice, sampleRate: MIC_RATE })).samples, new Float32Array(Math.round(opts.pauseSec * MIC_RATE)));
  }
  parts.push(new Float32Array(Math.round(opts.tailSec * MIC_RATE)));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  await writeFile(file, encodeWav16({ sampleRate: MIC_RATE, channels: [out] }));
}

/** Every channel of any file ffmpeg reads, at `rate` Hz. */
export async function decodeAll(file: string, channels: number, rate = 16000): Promise<Float32Array[]> {
  const { stdout } = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-ac', String(channels), '-ar', String(rate), '-f', 'f32le', 'pipe:1'], { encoding: 'buffer', maxBuffer: 1 << 30 });
  const all = new Float32Array(stdout.buffer, stdout.byteOffset, stdout.byteLength / 4);
  const n = Math.floor(all.length / channels);
  return Array.from({ length: channels }, (_, c) => Float32Array.from({ length: n }, (_v, i) => all[i * channels + c]!));
}

/** RMS per 20 ms frame. */
export function envelope(samples: Float32Array, rate = 16000, frameSec = 0.02): Float64Array {
  const size = Math.round(rate * frameSec);
  const out = new Float64Array(Math.floor(samples.length / size));
  for (let f = 0; f < out.length; f++) {
    let s = 0;
    for (let i = f * size; i < (f + 1) * size; i++) s += samples[i]! ** 2;
    out[f] = Math.sqrt(s / size);
  }
  return out;
}

/**
 * Best Pearson correlation of `recorded` against `source` over every lag at which the recording
 * fits inside the source (the recording started at some unknown point of the source's playback).
 */
export function bestEnvelopeCorrelation(recorded: Float64Array, source: Float64Array): { r: number; lagSec: number } {
  let best = { r: -1, lagSec: 0 };
  const n = recorded.length;
  const mean = (a: Float64Array, from: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[from + i]!;
    return s / n;
  };
  const mr = mean(recorded, 0);
  for (let lag = 0; lag + n <= source.length; lag++) {
    const ms = mean(source, lag);
    let num = 0;
    let dr = 0;
    let ds = 0;
    for (let i = 0; i < n; i++) {
      const a = recorded[i]! - mr;
      const b = source[lag + i]! - ms;
      num += a * b;
      dr += a * a;
      ds += b * b;
    }
    const r = dr > 0 && ds > 0 ? num / Math.sqrt(dr * ds) : 0;
    if (r > best.r) best = { r, lagSec: lag * 0.02 };
  }
  return best;
}

export function rmsDb(samples: Float32Array): number {
  let s = 0;
  for (const v of samples) s += v * v;
  return 10 * Math.log10(s / Math.max(1, samples.length) + 1e-12);
}
