import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
  /**
   * Which synthesiser and voice: `flite:<voice>` (e.g. `flite:rms`), `festival:<voice>` (e.g.
   * `festival:cmu_us_slt_arctic_hts`, Debian festvox-us-slt-hts), anything else is an espeak-ng voice
   * (e.g. `en-us+f3`).
   */
  voice: string;
  sampleRate: number;
  /** espeak-ng speed in words per minute (its default is 175); flite and festival speak at their own pace. */
  wordsPerMinute?: number;
}

/** Below this absolute amplitude (about -54 dBFS) a sample counts as silence when trimming. */
const SILENCE_AMPLITUDE = 0.002;

/** The program that speaks `text` into `wav` for a voice spec (see SpeechOptions.voice). */
async function speakInto(wav: string, text: string, opts: SpeechOptions, dir: string): Promise<void> {
  const [engine, voice] = opts.voice.includes(':') ? (opts.voice.split(':', 2) as [string, string]) : ['espeak', opts.voice];
  if (engine === 'flite' || engine === 'festival') {
    // Both read the text from a file, so no line is ever parsed as an option or as Scheme.
    const txt = path.join(dir, 'text.txt');
    await writeFile(txt, text);
    if (engine === 'flite') await run('flite', ['-voice', voice, '-f', txt, '-o', wav]);
    else await run('text2wave', ['-eval', `(voice_${voice})`, '-o', wav, txt]);
    return;
  }
  if (engine !== 'espeak') throw new Error(`unknown speech synthesiser "${engine}" in voice "${opts.voice}"`);
  const args = ['-v', voice, '-w', wav];
  if (opts.wordsPerMinute) args.push('-s', String(opts.wordsPerMinute));
  // `--` keeps a line that starts with "-" from being read as an option.
  await run('espeak-ng', [...args, '--', text]);
}

/**
 * Speaks `text` with espeak-ng, flite or festival, resamples it with sox and trims the silence the
 * synthesiser puts around it, so whoever places the clip knows exactly where speech starts and ends.
 * All three are deterministic: the same text and voice always give the same samples.
 */
export async function synthesizeSpeech(text: string, opts: SpeechOptions): Promise<SpeechClip> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'speech-'));
  try {
    const raw = path.join(dir, 'raw.wav');
    const resampled = path.join(dir, 'resampled.wav');
    await speakInto(raw, text, opts, dir);
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
