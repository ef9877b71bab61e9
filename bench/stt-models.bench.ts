// `npm run bench:stt [-- --models whisper-tiny.en,whisper-base --threads 2 --spliced]`: word error rate,
// turn timing and speed of each local Whisper model on (a) the sample session's two channels against
// its ground truth and (b) the five LibriVox recordings of Debian's pocketsphinx-testdata, one after
// another on one channel with 2 s of silence between them. `--spliced` adds tiny.en with several
// speech regions spliced into one window (the old way), to show what one window per region costs
// and buys. Speed: wall-clock real-time factor (seconds of processing per second of recording) and
// CPU seconds per second of recording (all threads of this process); on a loaded machine the CPU
// figure is the one to compare, and the load averages are recorded next to it.
// Writes bench/results/stt-models.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { computeWer } from '../app/transcript/wer';
import { detectSpeech } from '../app/audio/vad';
import type { Channel, Segment } from '../app/transcript/transcript';
import { findChannelSpeech } from '../backend/src/audio/channel-speech';
import { defaultDataDir, repoRoot, resourcesDir } from '../backend/src/paths';
import { decodeToMono16k, place } from '../speech/speech-fixtures';
import { createWhisperEngine } from '../speech/whisper-engine';
import { turnTiming } from '../backend/src/testing/turn-timing';
import { readModelManifest, setupWhisperModel } from '../scripts/setup/whisper-model';

const { values } = parseArgs({ options: { models: { type: 'string' }, threads: { type: 'string' }, spliced: { type: 'boolean' }, out: { type: 'string' } } });
const models = (values.models ?? 'whisper-base,whisper-tiny.en').split(',');
const threads = Number(values.threads ?? 2);
const SR = 16000;
const LIBRIVOX = '/usr/share/pocketsphinx/test/data/librivox';

const GroundTruth = z.object({ durationSec: z.number(), lines: z.array(z.object({ channel: z.union([z.literal(0), z.literal(1)]), text: z.string(), start: z.number(), end: z.number() })) });
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const textOf = (segments: Segment[]) => segments.map((s) => s.text).join(' ');

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; wallSec: number; cpuSec: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const cpu = process.cpuUsage(cpu0);
  return { value, wallSec: (performance.now() - t0) / 1000, cpuSec: (cpu.user + cpu.system) / 1e6 };
}

function librivox(): { refs: string; pcm: Float32Array; durationSec: number } | null {
  const list = path.join(LIBRIVOX, 'transcription');
  if (!existsSync(list)) return null;
  const refs = readFileSync(list, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^<s> (.*) <\/s> \((.*)\)$/.exec(line.trim());
      if (!m) throw new Error(`unexpected line in ${list}: ${line}`);
      return { text: m[1]!, file: path.join(LIBRIVOX, `${m[2]!}.wav`) };
    });
  let t = 1;
  const clips = refs.map((r) => {
    const pcm = decodeToMono16k(r.file);
    const clip = { at: t, pcm };
    t += pcm.length / SR + 2;
    return clip;
  });
  return { refs: refs.map((r) => r.text).join(' '), pcm: place(t, clips), durationSec: t };
}

const sampleFile = path.join(resourcesDir, 'sample-session', 'sample-session.ogg');
const gt = GroundTruth.parse(JSON.parse(readFileSync(path.join(resourcesDir, 'sample-session', 'ground-truth.json'), 'utf8')));
const sample = await findChannelSpeech(sampleFile);
const books = librivox();

const runs = [...models.map((model) => ({ model, spliced: false })), ...(values.spliced ? [{ model: 'whisper-tiny.en', spliced: true }] : [])];
const results: Record<string, unknown>[] = [];
// Written after every model, so a run cut short keeps what it measured.
const file = values.out ?? path.join(repoRoot, 'bench', 'results', 'stt-models.json');
function save(): void {
  const out = {
    bench: 'stt-models',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown' },
    notes: 'realTimeFactor = wall seconds / seconds of recording (the sample: both channels, 2 × 175 s); cpuSecPerAudioSec = CPU seconds of all threads / seconds of recording. Sample WER against resources/sample-session/ground-truth.json per channel; LibriVox against pocketsphinx-testdata transcription.',
    results,
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
}
for (const run of runs) {
  const { modelPath, sha256 } = await setupWhisperModel({ dataDir: defaultDataDir, modelId: run.model });
  const engine = await createWhisperEngine({ modelPath, threads, ...(run.spliced ? { windows: { spliceRegions: true } } : {}) });
  const loadBefore = round(os.loadavg()[0]!, 2);
  const channels: Record<string, unknown>[] = [];
  const segments: Segment[] = [];
  for (const channel of [0, 1] as Channel[]) {
    const { value, wallSec, cpuSec } = await timed(() =>
      engine.transcribeChannel({ pcm: sample.audio.channels[channel], sampleRate: SR, channel, regions: sample.regions[channel] }),
    );
    segments.push(...value);
    const wer = computeWer(gt.lines.filter((l) => l.channel === channel).map((l) => l.text).join(' '), textOf(value));
    channels.push({ channel, wer: round(wer.wer), refWords: wer.refWords, substitutions: wer.substitutions, deletions: wer.deletions, insertions: wer.insertions, wallSec: round(wallSec, 1), cpuSec: round(cpuSec, 1) });
    console.log(`[bench:stt] ${run.model}${run.spliced ? ' (spliced)' : ''} sample ch${channel}: WER ${(wer.wer * 100).toFixed(1)} % in ${wallSec.toFixed(1)} s (CPU ${cpuSec.toFixed(1)} s)`);
  }
  const timing = turnTiming(gt.lines, segments);
  const sampleWall = channels.reduce((n, c) => n + (c.wallSec as number), 0);
  const sampleCpu = channels.reduce((n, c) => n + (c.cpuSec as number), 0);
  let lib: Record<string, unknown> | null = null;
  if (books) {
    const { value, wallSec, cpuSec } = await timed(() => engine.transcribeChannel({ pcm: books.pcm, sampleRate: SR, channel: 0, regions: detectSpeech(books.pcm, SR, 0) }));
    const wer = computeWer(books.refs, textOf(value));
    lib = { wer: round(wer.wer), refWords: wer.refWords, substitutions: wer.substitutions, deletions: wer.deletions, insertions: wer.insertions, audioSec: round(books.durationSec, 1), wallSec: round(wallSec, 1), cpuSec: round(cpuSec, 1), realTimeFactor: round(wallSec / books.durationSec), cpuSecPerAudioSec: round(cpuSec / books.durationSec) };
    console.log(`[bench:stt] ${run.model}${run.spliced ? ' (spliced)' : ''} LibriVox: WER ${(wer.wer * 100).toFixed(1)} % in ${wallSec.toFixed(1)} s (CPU ${cpuSec.toFixed(1)} s)`);
  }
  await engine.close();
  const manifest = await readModelManifest(run.model);
  results.push({
    model: run.model,
    file: manifest.output.file,
    sha256,
    windows: run.spliced ? 'several speech regions spliced per window' : 'one window per speech region',
    threads,
    sample: {
      audioSec: round(sample.audio.durationSec * 2, 1),
      channels,
      realTimeFactor: round(sampleWall / (sample.audio.durationSec * 2)),
      cpuSecPerAudioSec: round(sampleCpu / (sample.audio.durationSec * 2)),
      turnTiming: {
        words: timing.words,
        misplacedWords: timing.misplacedWords.length,
        zeroLengthSegments: timing.zeroLengthSegments.length,
        zeroLengthWords: timing.zeroLengthWords,
        splitTurns: timing.splitTurns.length,
        examples: timing.misplacedWords.slice(0, 5),
      },
    },
    librivox: lib,
    loadAverage1m: { before: loadBefore, after: round(os.loadavg()[0]!, 2) },
  });
  save();
}

console.log(`[bench:stt] wrote ${path.relative(process.cwd(), file)}`);
