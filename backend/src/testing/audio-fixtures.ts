/**
 * Small real recordings for tests, made with espeak-ng, sox and ffmpeg in a directory the caller
 * owns (usually a mkdtemp). Speech spans are known exactly because clips are trimmed before placing.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { encodeWav16 } from '../audio/wav';
import { synthesizeSpeech, type SpeechClip } from './synthesized-speech';

const run = promisify(execFile);

export const LEFT_TEXT = 'Good morning. How have you been since we last met?';
export const RIGHT_TEXT = 'Pretty well, thank you. The walks are going fine.';
const VOICES = ['en-us+f3', 'en-gb+m3'] as const;
const LEAD_SEC = 0.3;
const TAIL_SEC = 0.3;

export interface Span {
  start: number;
  end: number;
}

export interface AudioFixture {
  path: string;
  durationSec: number;
}

export interface StereoFixture extends AudioFixture {
  /** Where speech is on channel 0 and on channel 1, in seconds. */
  speech: [Span[], Span[]];
}

export type WavCodec = 'pcm_s16le' | 'pcm_s24le' | 'pcm_s32le' | 'pcm_f32le';

const clipCache = new Map<string, Promise<SpeechClip>>();
function speak(text: string, channel: 0 | 1, sampleRate: number): Promise<SpeechClip> {
  const key = `${channel}|${sampleRate}|${text}`;
  let clip = clipCache.get(key);
  if (!clip) {
    clip = synthesizeSpeech(text, { voice: VOICES[channel], sampleRate });
    clipCache.set(key, clip);
  }
  return clip;
}

/** Channel 0 speaks `left`, then after `gapSec` channel 1 speaks `right`; each is silent while the other talks. */
export async function makeStereoSpeechWav(
  dir: string,
  opts: { left?: string; right?: string; gapSec?: number; sampleRate?: number; codec?: WavCodec; name?: string } = {},
): Promise<StereoFixture> {
  const sampleRate = opts.sampleRate ?? 16000;
  const left = await speak(opts.left ?? LEFT_TEXT, 0, sampleRate);
  const right = await speak(opts.right ?? RIGHT_TEXT, 1, sampleRate);
  const leftStart = Math.round(LEAD_SEC * sampleRate);
  const rightStart = leftStart + left.samples.length + Math.round((opts.gapSec ?? 0.5) * sampleRate);
  const total = rightStart + right.samples.length + Math.round(TAIL_SEC * sampleRate);
  const channels = [new Float32Array(total), new Float32Array(total)];
  channels[0]!.set(left.samples, leftStart);
  channels[1]!.set(right.samples, rightStart);
  const file = path.join(dir, opts.name ?? 'stereo-speech.wav');
  await writePcm(file, { sampleRate, channels }, opts.codec ?? 'pcm_s16le');
  const span = (start: number, length: number): Span => ({ start: start / sampleRate, end: (start + length) / sampleRate });
  return { path: file, durationSec: total / sampleRate, speech: [[span(leftStart, left.samples.length)], [span(rightStart, right.samples.length)]] };
}

export async function makeMonoWav(dir: string, opts: { text?: string; name?: string } = {}): Promise<AudioFixture> {
  const clip = await speak(opts.text ?? LEFT_TEXT, 0, 16000);
  const samples = new Float32Array(clip.samples.length + Math.round((LEAD_SEC + TAIL_SEC) * 16000));
  samples.set(clip.samples, Math.round(LEAD_SEC * 16000));
  const file = path.join(dir, opts.name ?? 'mono.wav');
  await writeFile(file, encodeWav16({ sampleRate: 16000, channels: [samples] }));
  return { path: file, durationSec: samples.length / 16000 };
}

/**
 * Speech on channel 0 only. Channel 1 is digital silence, or white noise at `noiseDbfs` RMS
 * (e.g. -60) like an open microphone in a quiet room.
 */
export async function makeOneSilentChannelWav(dir: string, opts: { text?: string; noiseDbfs?: number; name?: string } = {}): Promise<StereoFixture> {
  const clip = await speak(opts.text ?? LEFT_TEXT, 0, 16000);
  const start = Math.round(LEAD_SEC * 16000);
  const total = start + clip.samples.length + Math.round(TAIL_SEC * 16000);
  const speech = new Float32Array(total);
  speech.set(clip.samples, start);
  const quiet = new Float32Array(total);
  if (opts.noiseDbfs !== undefined) {
    // Uniform noise in [-a, a] has RMS a/sqrt(3); a fixed-seed generator keeps the file reproducible.
    const amplitude = Math.sqrt(3) * 10 ** (opts.noiseDbfs / 20);
    let seed = 12345;
    for (let i = 0; i < total; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      quiet[i] = (seed / 0xffffffff - 0.5) * 2 * amplitude;
    }
  }
  const file = path.join(dir, opts.name ?? 'one-silent-channel.wav');
  await writeFile(file, encodeWav16({ sampleRate: 16000, channels: [speech, quiet] }));
  return { path: file, durationSec: total / 16000, speech: [[{ start: start / 16000, end: (start + clip.samples.length) / 16000 }], []] };
}

/**
 * Stereo Opus in WebM. `streamed` writes it through a pipe, as MediaRecorder does, so the file
 * carries no duration in its header.
 */
export async function makeStereoOpusWebm(dir: string, opts: { left?: string; right?: string; streamed?: boolean; name?: string } = {}): Promise<StereoFixture> {
  const wav = await makeStereoSpeechWav(dir, { left: opts.left, right: opts.right, name: 'webm-source.wav' });
  const file = path.join(dir, opts.name ?? (opts.streamed ? 'streamed.webm' : 'stereo.webm'));
  const args = ['-y', '-v', 'error', '-i', wav.path, '-c:a', 'libopus', '-b:a', '96k', '-f', 'webm'];
  if (opts.streamed) {
    const { stdout } = await run('ffmpeg', [...args, 'pipe:1'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    await writeFile(file, stdout);
  } else await run('ffmpeg', [...args, file]);
  return { ...wav, path: file };
}

export async function makeStereoOpusOgg(dir: string, opts: { left?: string; right?: string; name?: string } = {}): Promise<StereoFixture> {
  const wav = await makeStereoSpeechWav(dir, { left: opts.left, right: opts.right, name: 'ogg-source.wav' });
  const file = path.join(dir, opts.name ?? 'stereo.ogg');
  await run('ffmpeg', ['-y', '-v', 'error', '-i', wav.path, '-c:a', 'libopus', '-b:a', '64k', '-application', 'voip', file]);
  return { ...wav, path: file };
}

export async function makeStereoFlac(dir: string, opts: { name?: string } = {}): Promise<StereoFixture> {
  const wav = await makeStereoSpeechWav(dir, { name: 'flac-source.wav' });
  const file = path.join(dir, opts.name ?? 'stereo.flac');
  await run('ffmpeg', ['-y', '-v', 'error', '-i', wav.path, '-c:a', 'flac', file]);
  return { ...wav, path: file };
}

/** Four channels of speech: more channels than there are participants. */
export async function makeFourChannelWav(dir: string, opts: { name?: string } = {}): Promise<AudioFixture> {
  const clip = await speak(LEFT_TEXT, 0, 16000);
  const channels = Array.from({ length: 4 }, () => clip.samples.slice());
  const file = path.join(dir, opts.name ?? 'four-channels.wav');
  await writeFile(file, encodeWav16({ sampleRate: 16000, channels }));
  return { path: file, durationSec: clip.samples.length / 16000 };
}

/** Something that is not audio under an audio file name: a tiny PNG, or plain text. */
export async function makeNotAudio(dir: string, opts: { kind?: 'png' | 'text'; name?: string } = {}): Promise<{ path: string }> {
  const file = path.join(dir, opts.name ?? 'not-audio.wav');
  if (opts.kind === 'text') await writeFile(file, 'This is a meeting note, not a recording.\n');
  else await run('ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=8x8', '-frames:v', '1', '-c:v', 'png', '-f', 'image2', file]);
  return { path: file };
}

/** A stereo WAV cut to `keepFraction` of its bytes: its header still promises the whole length. */
export async function makeTruncatedWav(dir: string, opts: { keepFraction?: number; name?: string } = {}): Promise<AudioFixture> {
  const whole = await makeStereoSpeechWav(dir, { name: 'whole-before-truncation.wav' });
  const bytes = await readFile(whole.path);
  const file = path.join(dir, opts.name ?? 'truncated.wav');
  await writeFile(file, bytes.subarray(0, Math.floor(bytes.length * (opts.keepFraction ?? 0.5))));
  return { path: file, durationSec: whole.durationSec };
}

/** A WebM (with a duration in its header) cut short mid-cluster, like an interrupted copy. */
export async function makeTruncatedWebm(dir: string, opts: { keepFraction?: number; name?: string } = {}): Promise<AudioFixture> {
  const whole = await makeStereoOpusWebm(dir, { name: 'whole-before-truncation.webm' });
  const bytes = await readFile(whole.path);
  const file = path.join(dir, opts.name ?? 'truncated.webm');
  await writeFile(file, bytes.subarray(0, Math.floor(bytes.length * (opts.keepFraction ?? 0.5))));
  return { path: file, durationSec: whole.durationSec };
}

/**
 * A damaged Ogg Opus file: 'headers-only' keeps the two header pages and no audio; 'garbled'
 * overwrites bytes in the audio pages so their checksums fail.
 */
export async function makeCorruptOgg(dir: string, opts: { kind: 'headers-only' | 'garbled'; name?: string }): Promise<AudioFixture> {
  const whole = await makeStereoOpusOgg(dir, { name: 'whole-before-damage.ogg' });
  const bytes = Buffer.from(await readFile(whole.path));
  const pages: number[] = [];
  for (let i = bytes.indexOf('OggS'); i >= 0; i = bytes.indexOf('OggS', i + 4)) pages.push(i);
  if (pages.length < 4) throw new Error('makeCorruptOgg: expected at least four Ogg pages');
  const file = path.join(dir, opts.name ?? `${opts.kind}.ogg`);
  if (opts.kind === 'headers-only') await writeFile(file, bytes.subarray(0, pages[2]));
  else {
    for (let i = pages[3]! + 30; i < bytes.length - 100; i += 7) bytes[i] = (bytes[i]! * 31 + 7) & 0xff;
    await writeFile(file, bytes);
  }
  return { path: file, durationSec: whole.durationSec };
}

/** Digital silence on both channels, made by ffmpeg without holding it in memory (for duration limits). */
export async function makeLongSilentStereo(dir: string, durationSec: number, opts: { format?: 'wav' | 'ogg'; name?: string } = {}): Promise<AudioFixture> {
  const format = opts.format ?? 'wav';
  const file = path.join(dir, opts.name ?? `silent-${durationSec}s.${format}`);
  const codec = format === 'wav' ? ['-c:a', 'pcm_s16le'] : ['-c:a', 'libopus', '-b:a', '32k'];
  await run('ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', `anullsrc=r=16000:cl=stereo`, '-t', String(durationSec), ...codec, file]);
  return { path: file, durationSec };
}

async function writePcm(file: string, audio: { sampleRate: number; channels: Float32Array[] }, codec: WavCodec): Promise<void> {
  const wav16 = encodeWav16(audio);
  if (codec === 'pcm_s16le') return writeFile(file, wav16);
  // Re-encode through ffmpeg so the file is what real tools write for that sample format.
  const source = `${file}.s16.wav`;
  await writeFile(source, wav16);
  await run('ffmpeg', ['-y', '-v', 'error', '-i', source, '-c:a', codec, file]);
}
