/**
 * Synthesises a two-channel session from a script with two espeak-ng voices and measures where each
 * line's speech lands, so the ground truth is read off the audio, not guessed from the script.
 *
 *   npx tsx scripts/sample-session/make-sample-session.ts [--work /tmp/sample-session] [--out resources/sample-session]
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { encodeWav16 } from '../../backend/src/audio/wav';
import { resourcesDir } from '../../backend/src/paths';
import { synthesizeSpeech, type SpeechClip } from '../../backend/src/testing/synthesized-speech';
import { GroundTruth, SessionScript, type GroundTruthLine } from './session-script';

const run = promisify(execFile);

/**
 * Clinician: the festival HTS voice cmu_us_slt (US English, female); patient: flite's awb (Scottish
 * English, male). Different accent, pitch and pace make the two channels easy to tell apart by ear.
 * They replaced espeak-ng's en-us+f3 / en-gb+m3 because a speech recogniser hears them far better:
 * tiny.en's word error rate on the sample's clinician lines fell from 14.2 % to 3.3 %, on the
 * patient's from 11.9 % to 5.7 % (decision 029), so the report reads what was said rather than
 * what robotic speech was misheard as.
 */
export const DEFAULT_VOICES: [string, string] = ['festival:cmu_us_slt_arctic_hts', 'flite:awb'];
/** Only espeak-ng voices take a speed; flite and festival speak at their own pace. */
export const DEFAULT_WORDS_PER_MINUTE: [number | undefined, number | undefined] = [undefined, undefined];
/**
 * The espeak-ng voices the contrast-pair sessions are still made with (their measured figures in
 * bench/results/evaluation.json are of that audio).
 */
export const ESPEAK_VOICES: [string, string] = ['en-us+f3', 'en-gb+m3'];
export const ESPEAK_WORDS_PER_MINUTE: [number, number] = [170, 155];
const DEFAULT_GAP_SEC = 0.5;

export interface SynthesizeOptions {
  outDir: string;
  /** espeak-ng voice per channel. */
  voices?: [string, string];
  wordsPerMinute?: [number | undefined, number | undefined];
  /** Must be a multiple of 100 so that lines start on a 10 ms grid. Default 16000. */
  sampleRate?: number;
  /** File name of the WAV written into outDir (default "session.wav"). */
  wavName?: string;
  /** Called after each distinct line has been spoken (synthesis is the slow part). */
  onProgress?: (spoken: number, distinct: number) => void;
}

export async function synthesizeSession(script: SessionScript, opts: SynthesizeOptions): Promise<{ wavPath: string; groundTruth: GroundTruth }> {
  const parsed = SessionScript.parse(script);
  const sampleRate = opts.sampleRate ?? 16000;
  if (sampleRate % 100 !== 0) throw new Error(`sampleRate ${sampleRate} is not a multiple of 100`);
  const voices = opts.voices ?? DEFAULT_VOICES;
  const wpm = opts.wordsPerMinute ?? DEFAULT_WORDS_PER_MINUTE;

  // Long benchmark sessions repeat lines: speak each distinct (channel, text) once.
  const clips = new Map<string, SpeechClip>();
  const distinct = new Set(parsed.lines.map((l) => `${l.channel}\u0000${l.text}`)).size;
  for (const line of parsed.lines) {
    const key = `${line.channel}\u0000${line.text}`;
    if (clips.has(key)) continue;
    const wordsPerMinute = wpm[line.channel];
    clips.set(key, await synthesizeSpeech(line.text, { voice: voices[line.channel], sampleRate, ...(wordsPerMinute ? { wordsPerMinute } : {}) }));
    opts.onProgress?.(clips.size, distinct);
  }

  const tick = sampleRate / 100;
  const placed: { start: number; clip: SpeechClip }[] = [];
  const channelEnd = [0, 0];
  let cursor = 0;
  parsed.lines.forEach((line, i) => {
    const clip = clips.get(`${line.channel}\u0000${line.text}`)!;
    let start: number;
    if (i === 0) start = Math.round(parsed.leadInSec * 100) * tick;
    else if (line.overlapSec !== undefined) {
      const prev = placed[i - 1]!;
      start = Math.round((prev.start + prev.clip.samples.length - line.overlapSec * sampleRate) / tick) * tick;
    } else start = Math.ceil(cursor / tick) * tick + Math.round((line.gapSec ?? DEFAULT_GAP_SEC) * 100) * tick;
    if (start < channelEnd[line.channel]!) throw new Error(`line ${i} would overlap the same channel's previous line`);
    const end = start + clip.samples.length;
    channelEnd[line.channel] = end;
    cursor = Math.max(cursor, end);
    placed.push({ start, clip });
  });

  const total = Math.ceil(cursor / tick) * tick + Math.round(parsed.tailSec * 100) * tick;
  const channels = [new Float32Array(total), new Float32Array(total)];
  parsed.lines.forEach((line, i) => channels[line.channel]!.set(placed[i]!.clip.samples, placed[i]!.start));

  const speakers = new Map(parsed.participants.map((p) => [p.channel, p.displayName]));
  const lines: GroundTruthLine[] = parsed.lines.map((line, i) => ({
    index: i,
    channel: line.channel,
    speaker: speakers.get(line.channel) ?? `channel ${line.channel}`,
    text: line.text,
    start: round2(placed[i]!.start / sampleRate),
    end: round2((placed[i]!.start + placed[i]!.clip.samples.length) / sampleRate),
    ...(line.codes ? { codes: line.codes } : {}),
  }));
  const groundTruth = GroundTruth.parse({
    title: parsed.title,
    language: parsed.language,
    sampleRate,
    durationSec: round2(total / sampleRate),
    voices: [0, 1].map((c) => ({ channel: c, voice: voices[c as 0 | 1], ...(wpm[c as 0 | 1] ? { wordsPerMinute: wpm[c as 0 | 1] } : {}) })),
    lines,
    overlaps: findOverlaps(lines),
  });

  await mkdir(opts.outDir, { recursive: true });
  const wavPath = path.join(opts.outDir, opts.wavName ?? 'session.wav');
  await writeFile(wavPath, encodeWav16({ sampleRate, channels }));
  await writeFile(path.join(opts.outDir, 'ground-truth.json'), JSON.stringify(groundTruth, null, 2) + '\n');
  return { wavPath, groundTruth };
}

function findOverlaps(lines: GroundTruthLine[]): GroundTruth['overlaps'] {
  const overlaps: GroundTruth['overlaps'] = [];
  for (let i = 0; i < lines.length; i++) {
    for (let j = i + 1; j < lines.length; j++) {
      const a = lines[i]!;
      const b = lines[j]!;
      if (a.channel === b.channel) continue;
      const start = Math.max(a.start, b.start);
      const end = Math.min(a.end, b.end);
      if (end > start) overlaps.push({ start, end, lines: a.start <= b.start ? [a.index, b.index] : [b.index, a.index] });
    }
  }
  return overlaps.sort((x, y) => x.start - y.start);
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Stereo Opus in Ogg. Each channel is its own uncoupled Opus stream (mapping family 255): coupled
 * stereo at speech bitrates leaks one speaker into the other channel (-38 dB measured), which would
 * blur per-channel speech detection. The voip mode (SILK) keeps silence silent around speech.
 * Chromium and ffmpeg both decode it.
 */
export async function encodeOggOpus(wavPath: string, oggPath: string, bitrate = '48k'): Promise<void> {
  await run('ffmpeg', [
    '-y', '-v', 'error', '-i', wavPath,
    '-c:a', 'libopus', '-b:a', bitrate, '-application', 'voip', '-mapping_family', '255',
    '-map_metadata', '-1', '-fflags', '+bitexact', '-flags:a', '+bitexact', oggPath,
  ]);
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
  };
  const outDir = path.resolve(arg('--out', path.join(resourcesDir, 'sample-session')));
  const workDir = path.resolve(arg('--work', '/tmp/sample-session'));
  const script = SessionScript.parse(JSON.parse(await readFile(path.join(outDir, 'script.json'), 'utf8')));
  const { wavPath, groundTruth } = await synthesizeSession(script, { outDir: workDir });
  await encodeOggOpus(wavPath, path.join(outDir, 'sample-session.ogg'));
  await writeFile(path.join(outDir, 'ground-truth.json'), JSON.stringify(groundTruth, null, 2) + '\n');
  const session = {
    title: script.title,
    language: script.language,
    participants: script.participants,
    rubricId: script.rubricId ?? 'motivational-interviewing',
    audio: 'sample-session.ogg',
    groundTruth: 'ground-truth.json',
  };
  await writeFile(path.join(outDir, 'session.json'), JSON.stringify(session, null, 2) + '\n');
  console.log(`${groundTruth.lines.length} lines, ${groundTruth.overlaps.length} overlaps, ${groundTruth.durationSec} s → ${outDir} (WAV: ${wavPath})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
