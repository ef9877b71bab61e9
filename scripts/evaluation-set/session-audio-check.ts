import { decodeWav } from '../../backend/src/audio/wav';
import { loudestOutside, rmsDbfs } from '../../backend/src/testing/signal-level';
import type { GroundTruth } from '../sample-session/session-script';

/** Speech in a ground-truth interval must be at least this loud on its own channel. */
const SPEECH_MIN_DBFS = -35;
/** Outside every interval of a channel (40 ms margin), that channel must be quieter than this. */
const SILENCE_MAX_DBFS = -60;

export interface SessionAudioReport {
  channels: number;
  sampleRate: number;
  durationSec: number;
  /** Share of the session in which each channel speaks, per the ground truth. */
  speechShare: [number, number];
  problems: string[];
}

/**
 * Checks that a synthesised stereo session plays as its ground truth says: two channels, the
 * stated duration, speech on the right channel in every interval and silence on each channel
 * everywhere else (so the other speaker never leaks across), intervals in script order.
 */
export function checkSessionAudio(wav: Uint8Array, truth: GroundTruth): SessionAudioReport {
  const audio = decodeWav(wav);
  const problems: string[] = [];
  const durationSec = audio.channels[0] ? audio.channels[0].length / audio.sampleRate : 0;
  if (audio.channels.length !== 2) problems.push(`expected 2 channels, found ${audio.channels.length}`);
  if (audio.sampleRate !== truth.sampleRate) problems.push(`sample rate ${audio.sampleRate}, ground truth says ${truth.sampleRate}`);
  if (Math.abs(durationSec - truth.durationSec) > 0.02) problems.push(`duration ${durationSec.toFixed(2)} s, ground truth says ${truth.durationSec} s`);
  const speech = [0, 0];
  truth.lines.forEach((line, i) => {
    if (line.end <= line.start) problems.push(`line ${i} has no length (${line.start}–${line.end} s)`);
    if (i > 0 && line.start < truth.lines[i - 1]!.start) problems.push(`line ${i} starts before line ${i - 1}`);
    if (line.end > truth.durationSec) problems.push(`line ${i} ends after the session`);
    speech[line.channel] = speech[line.channel]! + line.end - line.start;
    const samples = audio.channels[line.channel];
    if (!samples) return;
    const dbfs = rmsDbfs(samples, audio.sampleRate, line);
    if (dbfs < SPEECH_MIN_DBFS) problems.push(`line ${i} is ${dbfs.toFixed(1)} dBFS on channel ${line.channel}: no speech where the ground truth has it`);
  });
  for (const c of [0, 1] as const) {
    const samples = audio.channels[c];
    if (!samples) continue;
    const loudest = loudestOutside(samples, audio.sampleRate, truth.lines.filter((l) => l.channel === c), 0.02, 0.04);
    if (loudest.dbfs > SILENCE_MAX_DBFS) problems.push(`channel ${c} has sound (${loudest.dbfs.toFixed(1)} dBFS) at ${loudest.at.toFixed(2)} s, outside its lines`);
    if (speech[c] === 0) problems.push(`channel ${c} never speaks`);
  }
  const share = (s: number) => Math.round((s / Math.max(durationSec, 1e-9)) * 1000) / 1000;
  return { channels: audio.channels.length, sampleRate: audio.sampleRate, durationSec: Math.round(durationSec * 100) / 100, speechShare: [share(speech[0]!), share(speech[1]!)], problems };
}
