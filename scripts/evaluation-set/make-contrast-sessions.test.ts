import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav16 } from '../../backend/src/audio/wav';
import { GroundTruth, type SessionScript } from '../sample-session/session-script';
import { loadContrastPairs, VERSIONS } from './contrast-pairs';
import { makeContrastSessions, type IndexEntry, type MadeSession } from './make-contrast-sessions';
import { checkSessionAudio } from './session-audio-check';

describe('checkSessionAudio', () => {
  const truth = (lines: { channel: 0 | 1; start: number; end: number }[]): GroundTruth =>
    GroundTruth.parse({
      title: 't',
      language: 'en',
      sampleRate: 16000,
      durationSec: 2,
      voices: [],
      lines: lines.map((l, i) => ({ index: i, speaker: `s${l.channel}`, text: 'x', ...l })),
      overlaps: [],
    });
  const tone = (from: number, to: number) => {
    const s = new Float32Array(32000);
    for (let i = from * 16000; i < to * 16000; i++) s[i] = 0.3 * Math.sin((2 * Math.PI * 220 * i) / 16000);
    return s;
  };

  it('passes audio whose speech is where its ground truth says', () => {
    const wav = encodeWav16({ sampleRate: 16000, channels: [tone(0.5, 1), tone(1.2, 1.6)] });
    expect(checkSessionAudio(wav, truth([{ channel: 0, start: 0.5, end: 1 }, { channel: 1, start: 1.2, end: 1.6 }])).problems).toEqual([]);
  });

  it('reports speech on the wrong channel: missing where expected, present where not', () => {
    const wav = encodeWav16({ sampleRate: 16000, channels: [tone(0.5, 1), tone(1.2, 1.6)] });
    const problems = checkSessionAudio(wav, truth([{ channel: 1, start: 0.5, end: 1 }, { channel: 0, start: 1.2, end: 1.6 }])).problems.join('\n');
    expect(problems).toMatch(/line 0 .* no speech where the ground truth has it/);
    expect(problems).toMatch(/channel 0 has sound .* at 0\.\d+ s, outside its lines/);
  });

  it('reports a mono file and a duration that differs from the ground truth', () => {
    const wav = encodeWav16({ sampleRate: 16000, channels: [tone(0.5, 1).slice(0, 24000)] });
    const problems = checkSessionAudio(wav, truth([{ channel: 0, start: 0.5, end: 1 }])).problems.join('\n');
    expect(problems).toMatch(/expected 2 channels, found 1/);
    expect(problems).toMatch(/duration 1\.50 s, ground truth says 2 s/);
  });
});

describe('makeContrastSessions (real espeak-ng and sox)', () => {
  let work: string;
  let pairsDir: string;
  let outDir: string;
  let scripts: Record<(typeof VERSIONS)[number], SessionScript>;
  let first: MadeSession[];
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'contrast-sessions-'));
    pairsDir = path.join(work, 'pairs');
    outDir = path.join(work, 'out');
    // A short pair: the first lines of a committed pair, codes and all.
    const [pair] = await loadContrastPairs();
    scripts = { good: { ...pair!.scripts.good, lines: pair!.scripts.good.lines.slice(0, 5) }, poor: { ...pair!.scripts.poor, lines: pair!.scripts.poor.lines.slice(0, 5) } };
    await mkdir(path.join(pairsDir, 'short'), { recursive: true });
    for (const v of VERSIONS) await writeFile(path.join(pairsDir, 'short', `${v}.json`), JSON.stringify(scripts[v]));
    first = await makeContrastSessions({ outDir, pairsDir });
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('writes a stereo WAV per version that plays as its ground truth says', () => {
    expect(first.map((m) => `${m.scenario}/${m.version}`)).toEqual(['short/good', 'short/poor']);
    for (const m of first) {
      expect(m.reused).toBe(false);
      expect({ version: m.version, channels: m.audio.channels, sampleRate: m.audio.sampleRate, problems: m.audio.problems }).toEqual({ version: m.version, channels: 2, sampleRate: 16000, problems: [] });
      expect(m.audio.speechShare[0]).toBeGreaterThan(0);
      expect(m.audio.speechShare[1]).toBeGreaterThan(0);
    }
  });

  it('gives each line its time on its channel, with the clinician sentences’ codes', async () => {
    for (const m of first) {
      const truth = GroundTruth.parse(JSON.parse(await readFile(m.groundTruth, 'utf8')));
      const script = scripts[m.version];
      expect(truth.lines.map((l) => [l.channel, l.text, l.codes])).toEqual(script.lines.map((l) => [l.channel, l.text, l.codes]));
      expect(truth.lines[0]!.start).toBe(script.leadInSec);
      for (const [i, l] of truth.lines.entries()) {
        expect(l.end, `line ${i}`).toBeGreaterThan(l.start);
        if (i > 0) expect(l.start, `line ${i}`).toBeGreaterThanOrEqual(truth.lines[i - 1]!.start);
      }
      expect(truth.durationSec).toBeCloseTo(Math.max(...truth.lines.map((l) => l.end)) + script.tailSec, 1);
      expect(m.audio.durationSec).toBeCloseTo(truth.durationSec, 2);
    }
  });

  it('lists every session in index.json', async () => {
    const index = JSON.parse(await readFile(path.join(outDir, 'index.json'), 'utf8')) as IndexEntry[];
    expect(index.map((e) => [e.scenario, e.version, e.sha256, e.problems])).toEqual(first.map((m) => [m.scenario, m.version, m.sha256, []]));
  });

  it('reuses an up-to-date output, and makes the same bytes again when forced', async () => {
    const again = await makeContrastSessions({ outDir, pairsDir });
    expect(again.map((m) => [m.reused, m.sha256])).toEqual(first.map((m) => [true, m.sha256]));
    const forced = await makeContrastSessions({ outDir, pairsDir, force: true, only: ['short'] });
    expect(forced.map((m) => [m.reused, m.sha256])).toEqual(first.map((m) => [false, m.sha256]));
  });

  it('makes a session again when its script changed', async () => {
    const changed = { ...scripts.poor, lines: [...scripts.poor.lines.slice(0, 4), { channel: 0 as const, text: 'Right.', codes: [{ mi: 'other', general: 'other' }] }] };
    await writeFile(path.join(pairsDir, 'short', 'poor.json'), JSON.stringify(changed));
    const made = await makeContrastSessions({ outDir, pairsDir });
    expect(made.map((m) => m.reused)).toEqual([true, false]);
    expect(made[1]!.sha256).not.toBe(first[1]!.sha256);
  });
});
