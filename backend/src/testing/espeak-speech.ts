import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeWav } from '../audio/wav';

const run = promisify(execFile);

export interface SpeechClip {
  sampleRate: number;
  /** Mono samples with leading and trailing silence trimmed away. */
  samples: Float32Array;
}

export interface SpeechOptions {
  voice: string;
  sampleRate: number;
  /** espeak-ng speed in words per minute (its default is 175). */
  wordsPerMinute?: number;
}

/** Below this absolute amplitude (about -54 dBFS) a sample counts as silence when trimming. */
const SILENCE_AMPLITUDE = 0.002;

/**
 * Speaks `text` with espeak-ng, resamples it with sox and trims the silence espeak-ng puts around
 * it, so whoever places the clip knows exactly where speech starts and ends.
 */
export async function synthesizeSpeech(text: string, opts: SpeechOptions): Promise<SpeechClip> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'espeak-'));
  try {
    const raw = path.join(dir, 'raw.wav');
    const resampled = path.join(dir, 'resampled.wav');
    const args = ['-v', opts.voice, '-w', raw];
    if (opts.wordsPerMinute) args.push('-s', String(opts.wordsPerMinute));
    // `--` keeps a line that starts with "-" from being read as an option.
    await run('espeak-ng', [...args, '--', text]);
    // -R: sox dithers when it writes 16 bits; repeatable mode seeds that noise the same way every
    // run, so the same text always gives the same samples (synthesised sessions are reproducible).
    await run('sox', ['-R', raw, '-r', String(opts.sampleRate), '-c', '1', '-b', '16', '-e', 'signed-integer', resampled]);
    const audio = decodeWav(await readFile(resampled));
    return { sampleRate: audio.sampleRate, samples: trimSilence(audio.channels[0]!) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function trimSilence(samples: Float32Array, threshold = SILENCE_AMPLITUDE): Float32Array {
  let first = 0;
  while (first < samples.length && Math.abs(samples[first]!) <= threshold) first++;
  let last = samples.length - 1;
  while (last > first && Math.abs(samples[last]!) <= threshold) last--;
  return samples.slice(first, last + 1);
}
