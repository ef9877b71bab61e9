import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeSpeech } from '../testing/synthesized-speech';
import { checkEchoBleed } from './echo-bleed-check';
import { encodeWav16 } from './wav';

const run = promisify(execFile);
const RATE = 48000;
const OWNER = ['Good morning, thank you for coming in today.', 'How have you been sleeping since our last visit?', 'What would make the next step easier for you?', 'How confident do you feel about it?'];
const GUEST = ['I sleep about six hours now, sometimes less when work is busy.', 'Mostly I worry about the salt in ready meals, it is everywhere.', 'If my partner joined me, it would be a lot easier to keep going.', 'Seven, I think, maybe eight on a good day.'];

let dir: string;
let clean: string;
let bleed: string;
let talkOver: string;
let talkOverBleed: string;

/** Two voices taking turns (owner, then guest, 0.7 s apart), each on its own track over faint noise. */
async function turnTaking(): Promise<{ owner: Float32Array; guest: Float32Array }> {
  const clips = await Promise.all([
    ...OWNER.map((s) => synthesizeSpeech(s, { voice: 'en-us+m3', sampleRate: RATE })),
    ...GUEST.map((s) => synthesizeSpeech(s, { voice: 'en-gb+f3', sampleRate: RATE })),
  ]);
  const total = clips.reduce((n, c) => n + c.samples.length + 0.7 * RATE, RATE);
  const owner = new Float32Array(Math.ceil(total));
  const guest = new Float32Array(Math.ceil(total));
  let at = Math.round(0.5 * RATE);
  for (let i = 0; i < OWNER.length; i++) {
    for (const [track, clip] of [
      [owner, clips[i]!],
      [guest, clips[OWNER.length + i]!],
    ] as const) {
      track.set(clip.samples, at);
      at += clip.samples.length + Math.round(0.7 * RATE);
    }
  }
  // Room noise about 60 dB below speech on both channels, so "clean" is not digital silence.
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.004;
  for (let i = 0; i < owner.length; i++) {
    owner[i]! += noise();
    guest[i]! += noise();
  }
  return { owner, guest };
}

/** Both talk all the time, each with their own pauses (as two fake microphones in a call do). */
async function doubleTalk(): Promise<{ owner: Float32Array; guest: Float32Array }> {
  const track = async (lines: string[], voice: string, pauseSec: number) => {
    const clips = await Promise.all([...lines, ...lines].map((s) => synthesizeSpeech(s, { voice, sampleRate: RATE })));
    const out = new Float32Array(40 * RATE);
    let at = 0;
    for (const c of clips) {
      if (at + c.samples.length > out.length) break;
      out.set(c.samples, at);
      at += c.samples.length + Math.round(pauseSec * RATE);
    }
    return out;
  };
  return { owner: await track(OWNER, 'en-us+m3', 1.4), guest: await track(GUEST, 'en-gb+f3', 0.6) };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'echo-bleed-check-'));
  const { owner, guest } = await turnTaking();
  const f = (name: string) => path.join(dir, name);
  await writeFile(f('owner.wav'), encodeWav16({ sampleRate: RATE, channels: [owner] }));
  await writeFile(f('guest.wav'), encodeWav16({ sampleRate: RATE, channels: [guest] }));
  // A loudspeaker in a small room: the guest 24 dB down, band-limited, reverberant, 160 ms late.
  await run('sox', [f('guest.wav'), f('bleed.wav'), 'vol', '-24dB', 'highpass', '200', 'lowpass', '3500', 'reverb', '40', 'pad', '0.16', '0', 'trim', '0', String(owner.length / RATE)]);
  await run('sox', ['-m', f('owner.wav'), f('bleed.wav'), f('owner-bleed.wav')]);
  const dt = await doubleTalk();
  await writeFile(f('dt-owner.wav'), encodeWav16({ sampleRate: RATE, channels: [dt.owner] }));
  await writeFile(f('dt-guest.wav'), encodeWav16({ sampleRate: RATE, channels: [dt.guest] }));
  await run('sox', [f('dt-guest.wav'), f('dt-bleed.wav'), 'vol', '-24dB', 'highpass', '200', 'lowpass', '3500', 'reverb', '40', 'pad', '0.16', '0', 'trim', '0', '40']);
  await run('sox', ['-m', f('dt-owner.wav'), f('dt-bleed.wav'), f('dt-owner-bleed.wav')]);
  // Stored as the app stores it: Opus in WebM, channel 0 = owner, channel 1 = guest.
  clean = f('clean.webm');
  bleed = f('bleed.webm');
  talkOver = f('talk-over.webm');
  talkOverBleed = f('talk-over-bleed.webm');
  for (const [ch0, ch1, out] of [
    [f('owner.wav'), f('guest.wav'), clean],
    [f('owner-bleed.wav'), f('guest.wav'), bleed],
    [f('dt-owner.wav'), f('dt-guest.wav'), talkOver],
    [f('dt-owner-bleed.wav'), f('dt-guest.wav'), talkOverBleed],
  ] as const) {
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', ch0, '-i', ch1, '-filter_complex', '[0:a][1:a]amerge=inputs=2[a]', '-map', '[a]', '-c:a', 'libopus', '-b:a', '128k', out]);
  }
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkEchoBleed', () => {
  it('finds no bleed in a recording where each voice stays on its own channel', async () => {
    const r = await checkEchoBleed(clean);
    console.log('clean', { ...r, spans: r.spans.length });
    expect(r.reason).toBe('clean');
    expect(r.detected).toBe(false);
    expect(r.correlation).toBeLessThan(0.3);
  });

  it("flags the guest's voice heard through a loudspeaker in the owner's channel, with its delay and level", async () => {
    const r = await checkEchoBleed(bleed);
    console.log('bleed', { ...r, spans: r.spans.length });
    expect(r.detected).toBe(true);
    expect(r.correlation).toBeGreaterThan(0.6);
    expect(r.lagMs).toBeGreaterThanOrEqual(140);
    expect(r.lagMs).toBeLessThanOrEqual(220);
    expect(r.bleedRatioDb).toBeLessThan(-15);
    expect(r.bleedRatioDb).toBeGreaterThan(-35);
    expect(r.spans.some((s) => s.bleed)).toBe(true);
  });

  it('tells double talk (both speaking at once) from bleed', async () => {
    const over = await checkEchoBleed(talkOver);
    const overBleed = await checkEchoBleed(talkOverBleed);
    console.log('double talk', { ...over, spans: over.spans.length }, 'double talk + bleed', { ...overBleed, spans: overBleed.spans.length });
    expect(over.detected).toBe(false);
    expect(over.correlation).toBeLessThan(0.3);
    expect(overBleed.detected).toBe(true);
    expect(overBleed.lagMs).toBeGreaterThanOrEqual(140);
    expect(overBleed.lagMs).toBeLessThanOrEqual(220);
  });
});
