// `npm run bench:client [-- --threads N] [--minutes 5]`: a two-party call simulated in real time on
// this machine, through the desktop handler maps: every 0.5 s the recorder's Opus bytes go to the
// crash-safe recording store and both channels' 16 kHz PCM to the draft transcriber. Measures the
// process CPU and peak RSS over the call, how far the live draft lags behind speech (per script
// line: from the line's end in the audio to the `drafts:updated` event that carries it, and to the
// first `drafts:caption` — partial or final — that shows the line's end) and how
// long the complete draft takes after stop. Writes bench/results/client.json. Figures are measured
// here, never asserted in tests.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { EventPayloadOf } from '../app/contracts/ipc-contract';
import type { DesktopEvents } from '../app/contracts/ipc/desktop';
import { computeWer } from '../app/transcript/wer';
import { decodeWav } from '../backend/src/audio/wav';
import { defaultDataDir, repoRoot, resourcesDir } from '../backend/src/paths';
import { createDesktopFeatures } from '../main/features/desktop-features';
import { float32ToLittleEndian } from '../main/features/drafts/pcm-chunk';
import { createAesGcmCipher } from '../main/services/secret-store';
import { synthesizeSession } from '../scripts/sample-session/make-sample-session';
import { GroundTruth, SessionScript } from '../scripts/sample-session/session-script';
import { setupWhisperModel } from '../scripts/setup/whisper-model';

const { values } = parseArgs({ options: { threads: { type: 'string' }, minutes: { type: 'string', default: '5' } } });
const callSec = Number(values.minutes) * 60;
const CHUNK_SEC = 0.5;
const SR = 16000;
const benchDir = path.join(defaultDataDir, 'bench');
mkdirSync(benchDir, { recursive: true });

/** The sample script twice (a topic line between rounds): ~6 min of audio, of which `callSec` is fed. */
async function session(): Promise<{ wav: string; webm: string; truth: GroundTruth }> {
  const wav = path.join(benchDir, 'client-session.wav');
  const truthFile = path.join(benchDir, 'client-session.truth.json');
  const webm = path.join(benchDir, `client-session-${callSec}s.webm`);
  if (!existsSync(wav) || !existsSync(truthFile)) {
    const script = SessionScript.parse(JSON.parse(readFileSync(path.join(resourcesDir, 'sample-session', 'script.json'), 'utf8')));
    const lines = [1, 2].flatMap((r) => [{ channel: 0 as const, text: `Let us look at part ${r} of your plan together.`, gapSec: 1 }, ...script.lines]);
    console.error(`synthesising a two-round session (${lines.length} lines)…`);
    const { groundTruth } = await synthesizeSession({ ...script, lines }, { outDir: benchDir, wavName: 'client-session.wav' });
    writeFileSync(truthFile, JSON.stringify(groundTruth));
  }
  if (!existsSync(webm)) {
    // What the renderer's MediaRecorder writes: stereo Opus in WebM at 128 kbps (~16 kB/s).
    execFileSync('ffmpeg', ['-y', '-v', 'error', '-i', wav, '-t', String(callSec), '-ac', '2', '-c:a', 'libopus', '-b:a', '128k', webm]);
  }
  return { wav, webm, truth: GroundTruth.parse(JSON.parse(readFileSync(truthFile, 'utf8'))) };
}

const percentile = (xs: number[], p: number) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return round2(s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!);
};
const round2 = (x: number) => Math.round(x * 100) / 100;

const rssAtStart = process.memoryUsage().rss;
const { wav, webm, truth } = await session();
const audio = decodeWav(readFileSync(wav));
if (audio.sampleRate !== SR) throw new Error(`expected ${SR} Hz, got ${audio.sampleRate}`);
const recordingBytes = readFileSync(webm);
const { modelPath } = await setupWhisperModel({ dataDir: defaultDataDir });
const threads = values.threads ? Number(values.threads) : undefined;

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fe-bench-client-'));
const features = createDesktopFeatures({ dataDir, secretCipher: createAesGcmCipher(randomBytes(32)), draftTranscriber: { modelPath, threads } });
await features.handlers['settings:update']({ autoUpload: false });
const updates: { at: number; payload: EventPayloadOf<DesktopEvents, 'drafts:updated'> }[] = [];
const captions: { at: number; payload: EventPayloadOf<DesktopEvents, 'drafts:caption'> }[] = [];
features.events.subscribe((event, payload) => {
  if (event === 'drafts:caption') captions.push({ at: performance.now(), payload: payload as EventPayloadOf<DesktopEvents, 'drafts:caption'> });
  if (event === 'drafts:updated') updates.push({ at: performance.now(), payload: payload as EventPayloadOf<DesktopEvents, 'drafts:updated'> });
});

const sessionId = randomUUID();
const loadStart = performance.now();
const engine = (await features.handlers['drafts:start']({ sessionId })).engine;
const modelLoadSec = (performance.now() - loadStart) / 1000;
await features.handlers['recordings:start']({ sessionId, mimeType: 'audio/webm;codecs=opus' });

const rssBefore = process.memoryUsage().rss;
let peakRss = rssBefore;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
const chunks = Math.ceil(callSec / CHUNK_SEC);
const step = Math.round(CHUNK_SEC * SR);
let maxLagSec = 0;
let lateTicks = 0;
console.error(`calling for ${callSec} s in real time (${chunks} ticks of ${CHUNK_SEC} s)…`);

const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let k = 0; k < chunks; k++) {
  // Each tick sends the audio of the half second that just passed, as the AudioWorklet would.
  const due = t0 + (k + 1) * CHUNK_SEC * 1000;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  else lateTicks++;
  const a = Math.floor((recordingBytes.length * k) / chunks);
  const b = Math.floor((recordingBytes.length * (k + 1)) / chunks);
  await features.handlers['recordings:append']({ sessionId, seq: k, chunk: new Uint8Array(recordingBytes.subarray(a, b)) });
  for (const channel of [0, 1] as const) {
    const pcm = audio.channels[channel]!.subarray(k * step, (k + 1) * step);
    const p = await features.handlers['drafts:feed']({ sessionId, channel, pcm: float32ToLittleEndian(pcm) });
    maxLagSec = Math.max(maxLagSec, p.lagSec);
  }
}
const callWallSec = (performance.now() - t0) / 1000;
const cpuCall = process.cpuUsage(cpu0);
const peakRssCall = peakRss;

const stopAt = performance.now();
const [ref, draft] = await Promise.all([features.handlers['recordings:finish']({ sessionId }), features.handlers['drafts:finish']({ sessionId })]);
const draftAfterStopSec = (performance.now() - stopAt) / 1000;
const cpuTotal = process.cpuUsage(cpu0);
clearInterval(sampler);
await features.stop();
rmSync(dataDir, { recursive: true, force: true });

// Live-draft lag per script line that ended inside the call.
const lines = truth.lines.filter((l) => l.end <= callSec);
const lags: number[] = [];
const captionLags: number[] = [];
let onlyAtFinish = 0;
for (const line of lines) {
  const lineEndAt = t0 + line.end * 1000;
  const shown = captions.find((c) => c.payload.channel === line.channel && c.payload.start <= line.end && c.payload.end >= line.end - 0.6 && c.payload.text.trim());
  if (shown) captionLags.push(Math.max(0, (shown.at - lineEndAt) / 1000));
  const hit = updates.find((u) => !u.payload.replaced && u.payload.added.some((s) => s.channel === line.channel && s.start <= line.end && s.end >= line.end - 0.6));
  if (hit) lags.push(Math.max(0, (hit.at - lineEndAt) / 1000));
  else onlyAtFinish++;
}
const lastLineEnd = Math.max(...lines.map((l) => l.end));
const wer = ([0, 1] as const).map((c) =>
  computeWer(
    lines.filter((l) => l.channel === c).map((l) => l.text).join(' '),
    draft.segments.filter((s) => s.channel === c && s.end <= lastLineEnd + 0.5).map((s) => s.text).join(' '),
  ),
);

const cpuSec = (u: NodeJS.CpuUsage) => round2((u.user + u.system) / 1e6);
const out = {
  benchmark: 'client',
  measuredAt: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverage1mAtEnd: round2(os.loadavg()[0]!) },
  setup: {
    callSec,
    chunkSec: CHUNK_SEC,
    engine,
    whisperThreads: threads ?? Math.max(1, Math.floor(os.availableParallelism() / 2)),
    whisperAudioCtx: 'fitted to each window (ceil((sec + 1) * 50), min 3 s); a looping window retried once with a 4 s longer context',
    liveBounds: 'tokens per decoding pass: final ceil(6 * sec) + 10, partial ceil(4 * sec) + 6; batches of <= 10 s speech; finished speech under 8 s decoded after the same speaker\'s preceding speech (up to 8 s in all, its words dropped); first partial at 2 s',
    recording: `stereo Opus/WebM 128 kbps, ${recordingBytes.length} bytes appended in ${chunks} fsync'd chunks`,
    speechSec: round2(lines.reduce((n, l) => n + l.end - l.start, 0)),
    lines: lines.length,
  },
  call: {
    wallSec: round2(callWallSec),
    cpuSec: cpuSec(cpuCall),
    /** Share of one core over the call (100 = one core busy all the time). */
    cpuPercentOfOneCore: round2((100 * cpuSec(cpuCall)) / callWallSec),
    cpuPercentOfMachine: round2((100 * cpuSec(cpuCall)) / callWallSec / os.cpus().length),
    /** Before the audio fixtures and the model were loaded. */
    rssAtStartMb: Math.round(rssAtStart / 2 ** 20),
    /** Model loaded, the whole session's audio (the benchmark's own ~50 MB) in memory. */
    rssBeforeCallMb: Math.round(rssBefore / 2 ** 20),
    peakRssMb: Math.round(peakRssCall / 2 ** 20),
    modelLoadSec: round2(modelLoadSec),
    ticksLate: lateTicks,
  },
  /** First caption (partial or final) showing the end of a line: what the call room shows. */
  liveCaptionLagSec: { p50: percentile(captionLags, 0.5), p95: percentile(captionLags, 0.95), max: captionLags.length ? round2(Math.max(...captionLags)) : null, lines: captionLags.length, partialCaptions: captions.filter((c) => !c.payload.final).length, finalCaptions: captions.filter((c) => c.payload.final).length },
  /** The stored live draft (final segments, drafts:updated). */
  liveDraftLagSec: { p50: percentile(lags, 0.5), p95: percentile(lags, 0.95), max: lags.length ? round2(Math.max(...lags)) : null, linesCaptionedLive: lags.length, linesOnlyAtFinish: onlyAtFinish, maxWaitingSpeechSec: round2(maxLagSec) },
  afterStop: { completeDraftSec: round2(draftAfterStopSec), totalCpuSec: cpuSec(cpuTotal), recordingBytes: ref.bytes, recordingDurationSec: ref.durationSec ?? null },
  draft: { segments: draft.segments.length, werPerChannel: wer.map((w) => round2(w.wer)) },
  note: 'CPU and RSS are this Node process (main-process services: recording store, draft transcriber incl. its whisper.cpp worker thread); the renderer (WebRTC, MediaRecorder, AudioWorklet) and ffmpeg children are not included. The machine is shared with other jobs: see loadAverage1mAtEnd.',
};
mkdirSync(path.join(repoRoot, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(repoRoot, 'bench', 'results', 'client.json'), JSON.stringify(out, null, 2) + '\n');
console.log(JSON.stringify(out, null, 2));
