import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeChannels, type DecodedChannels } from '../../backend/src/audio/decode';
import { decodeWav } from '../../backend/src/audio/wav';
import { resourcesDir } from '../../backend/src/paths';
import { loudestOutside, rmsDbfs } from '../../backend/src/testing/signal-level';
import { synthesizeSession } from './make-sample-session';
import { GroundTruth, Participant, SessionScript } from './session-script';

const sampleDir = path.join(resourcesDir, 'sample-session');
const readJson = async (name: string): Promise<unknown> => JSON.parse(await readFile(path.join(sampleDir, name), 'utf8'));

describe('committed sample session', () => {
  let truth: GroundTruth;
  let audio: DecodedChannels;
  beforeAll(async () => {
    truth = GroundTruth.parse(await readJson('ground-truth.json'));
    audio = await decodeChannels(path.join(sampleDir, 'sample-session.ogg'));
  });

  it('lasts about three minutes, as long as its ground truth says', () => {
    expect(Math.abs(audio.durationSec - truth.durationSec)).toBeLessThan(0.05);
    expect(truth.durationSec).toBeGreaterThan(150);
    expect(truth.durationSec).toBeLessThan(240);
  });

  it('has speech on each channel in every ground-truth interval of that channel', () => {
    for (const line of truth.lines) {
      expect({ line: line.index, dbfs: rmsDbfs(audio.channels[line.channel], 16000, line) }).toEqual({ line: line.index, dbfs: expect.toSatisfy((db: number) => db > -35) });
    }
  });

  it('is silent on each channel outside all of that channel’s intervals, including while the other speaks', () => {
    for (const c of [0, 1] as const) {
      const spans = truth.lines.filter((l) => l.channel === c);
      const loudest = loudestOutside(audio.channels[c], 16000, spans, 0.02, 0.04);
      expect({ channel: c, ...loudest }).toEqual({ channel: c, at: loudest.at, dbfs: expect.toSatisfy((db: number) => db < -60) });
    }
  });

  it('has a few overlaps and long pauses for the metrics to find', () => {
    expect(truth.overlaps.length).toBeGreaterThanOrEqual(2);
    const sorted = [...truth.lines].sort((a, b) => a.start - b.start);
    const longPauses = sorted.slice(1).filter((l, i) => l.start - Math.max(...sorted.slice(0, i + 1).map((p) => p.end)) >= 1.5);
    expect(longPauses.length).toBeGreaterThanOrEqual(2);
  });

  it('describes its participants, one per channel, and the script the audio was made from', async () => {
    const session = (await readJson('session.json')) as { participants: unknown[]; rubricId: string; audio: string };
    const participants = session.participants.map((p) => Participant.parse(p));
    expect(participants.map((p) => p.channel)).toEqual([0, 1]);
    expect(session.rubricId).toBe('motivational-interviewing');
    const script = SessionScript.parse(await readJson('script.json'));
    expect(truth.lines.map((l) => [l.channel, l.text])).toEqual(script.lines.map((l) => [l.channel, l.text]));
    expect(truth.lines.map((l) => l.speaker)).toEqual(script.lines.map((l) => participants[l.channel]!.displayName));
  });
});

describe('synthesizeSession', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'synth-session-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const script = (lines: SessionScript['lines']): SessionScript =>
    SessionScript.parse({
      title: 'Tiny',
      participants: [
        { channel: 0, displayName: 'A', roleLabel: 'Clinician' },
        { channel: 1, displayName: 'B', roleLabel: 'Patient' },
      ],
      lines,
    });

  it('places lines by their gaps and overlaps and reports where the speech really is', async () => {
    const { wavPath, groundTruth } = await synthesizeSession(
      script([
        { channel: 0, text: 'How are you today?' },
        { channel: 1, gapSec: 1.5, text: 'Quite well, thanks for asking.' },
        { channel: 0, overlapSec: 0.6, text: 'Good.' },
      ]),
      { outDir: dir, sampleRate: 24000 },
    );
    const [first, second, third] = groundTruth.lines;
    expect(first!.start).toBe(0.5);
    expect(second!.start).toBeCloseTo(first!.end + 1.5, 1);
    expect(third!.start).toBeCloseTo(second!.end - 0.6, 1);
    expect(groundTruth.overlaps).toEqual([{ start: third!.start, end: expect.any(Number), lines: [1, 2] }]);

    // In the uncompressed WAV, each interval begins and ends within 10 ms of the first and last non-silent sample.
    const wav = decodeWav(await readFile(wavPath));
    expect(wav.sampleRate).toBe(24000);
    for (const c of [0, 1] as const) {
      const samples = wav.channels[c]!;
      const spans = groundTruth.lines.filter((l) => l.channel === c);
      let firstLoud = -1;
      let lastLoud = -1;
      samples.forEach((s, i) => {
        if (Math.abs(s) > 0.002) {
          if (firstLoud < 0) firstLoud = i;
          lastLoud = i;
        }
      });
      expect(Math.abs(firstLoud / 24000 - spans[0]!.start)).toBeLessThanOrEqual(0.01);
      expect(Math.abs((lastLoud + 1) / 24000 - spans.at(-1)!.end)).toBeLessThanOrEqual(0.01);
      expect(loudestOutside(samples, 24000, spans, 0.01, 0.01).dbfs).toBeLessThan(-100);
    }
  });

  it('refuses a script that would make one speaker talk over themselves', async () => {
    await expect(
      synthesizeSession(
        script([
          { channel: 0, text: 'First sentence.' },
          { channel: 0, overlapSec: 0.3, text: 'Second sentence.' },
        ]),
        { outDir: dir },
      ),
    ).rejects.toThrow(/same channel/);
  });
});
