import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Test audio made with real tools: espeak-ng speech and ffmpeg decoding to 16 kHz mono float. */

export function decodeToMono16k(file: string): Float32Array {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-ac', '1', '-ar', '16000', '-f', 'f32le', '-'], { maxBuffer: 1 << 30 });
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

/** espeak-ng speech of `text`, trimmed of its own leading and trailing silence. */
export function speak(text: string, voice = 'en-us'): Float32Array {
  const dir = mkdtempSync(path.join(tmpdir(), 'fe-speak-'));
  try {
    const wav = path.join(dir, 'a.wav');
    execFileSync('espeak-ng', ['-v', voice, '-w', wav, text]);
    const pcm = decodeToMono16k(wav);
    return trimSilence(pcm);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function trimSilence(pcm: Float32Array, threshold = 0.003): Float32Array {
  let a = 0;
  while (a < pcm.length && Math.abs(pcm[a]!) < threshold) a++;
  let b = pcm.length;
  while (b > a && Math.abs(pcm[b - 1]!) < threshold) b--;
  return pcm.slice(a, b);
}

/** Places clips at given times (seconds) in `durationSec` of silence; returns the mix. */
export function place(durationSec: number, clips: Array<{ at: number; pcm: Float32Array; gain?: number }>, sampleRate = 16000): Float32Array {
  const out = new Float32Array(Math.round(durationSec * sampleRate));
  for (const c of clips) {
    const off = Math.round(c.at * sampleRate);
    for (let i = 0; i < c.pcm.length && off + i < out.length; i++) out[off + i] = out[off + i]! + c.pcm[i]! * (c.gain ?? 1);
  }
  return out;
}
