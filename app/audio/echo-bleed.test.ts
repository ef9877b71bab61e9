import { describe, expect, it } from 'vitest';
import { detectEchoBleed, detectEchoBleedFromEnvelopes } from './echo-bleed';
import { frameEnergiesDb } from './vad';

const RATE = 16000;
const SEC = 40;

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Speech-like audio: inside each talk interval, syllables of low-passed noise (0.08–0.3 s, raised
 * cosine envelopes, varying loudness) separated by short gaps; silence elsewhere. RMS ≈ −20 dBFS while talking.
 */
function talker(seed: number, intervals: Array<[number, number]>): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(SEC * RATE);
  let lp = 0;
  for (const [s, e] of intervals) {
    let t = s;
    while (t < e) {
      const dur = Math.min(0.08 + r() * 0.22, e - t);
      const gain = 0.08 + r() * 0.2;
      const a = Math.round(t * RATE);
      const len = Math.round(dur * RATE);
      for (let i = 0; i < len; i++) {
        lp = 0.7 * lp + 0.3 * (r() * 2 - 1);
        out[a + i] = gain * lp * 2 * Math.sin((Math.PI * i) / len) ** 2;
      }
      t += dur + 0.03 + r() * 0.12;
    }
  }
  return out;
}

function mix(...parts: Array<{ x: Float32Array; gainDb?: number; delaySec?: number }>): Float32Array {
  const out = new Float32Array(SEC * RATE);
  for (const { x, gainDb = 0, delaySec = 0 } of parts) {
    const g = 10 ** (gainDb / 20);
    const d = Math.round(delaySec * RATE);
    for (let i = d; i < out.length; i++) out[i]! += g * x[i - d]!;
  }
  return out;
}

/** A −70 dBFS noise floor, as any real microphone channel has. */
const noise = (seed: number) => {
  const r = rng(seed);
  return Float32Array.from({ length: SEC * RATE }, () => (r() * 2 - 1) * 0.00055);
};

// Turn-taking: the far end (B) talks in these intervals, the owner (A) in the others.
const B_TURNS: Array<[number, number]> = [
  [1, 5],
  [9, 14],
  [18, 21],
  [25, 31],
  [34, 39],
];
const A_TURNS: Array<[number, number]> = [
  [5.5, 8.5],
  [14.5, 17.5],
  [21.5, 24.5],
  [31.5, 33.5],
];
const farEnd = talker(2, B_TURNS);
const owner = talker(1, A_TURNS);

describe('detectEchoBleed', () => {
  it('finds no bleed in clean channels (the owner on channel 0, the far end on channel 1)', () => {
    const r = detectEchoBleed(mix({ x: owner }, { x: noise(7) }), mix({ x: farEnd }, { x: noise(8) }), RATE);
    expect(r.reason).toBe('clean');
    expect(r.detected).toBe(false);
    expect(r.correlation).toBeLessThan(0.3);
    expect(r.farEndOnlySec).toBeGreaterThan(10);
  });

  it('detects the far end mixed into channel 0 at −20 dB and 180 ms, and measures both', () => {
    const r = detectEchoBleed(mix({ x: owner }, { x: farEnd, gainDb: -20, delaySec: 0.18 }, { x: noise(7) }), mix({ x: farEnd }, { x: noise(8) }), RATE);
    expect(r.detected).toBe(true);
    expect(r.reason).toBe('bleed');
    expect(r.correlation).toBeGreaterThan(0.8);
    expect(Math.abs(r.lagMs - 180)).toBeLessThanOrEqual(10);
    expect(Math.abs(r.bleedRatioDb! + 20)).toBeLessThanOrEqual(3);
    expect(r.spans.filter((s) => s.bleed).length).toBeGreaterThanOrEqual(4);
  });

  it('detects a quieter, later copy (−30 dB at 420 ms)', () => {
    const r = detectEchoBleed(mix({ x: owner }, { x: farEnd, gainDb: -30, delaySec: 0.42 }, { x: noise(7) }), mix({ x: farEnd }, { x: noise(8) }), RATE);
    expect(r.detected).toBe(true);
    expect(Math.abs(r.lagMs - 420)).toBeLessThanOrEqual(10);
  });

  it('looks only behind channel 1: a copy 0.8 s late is out of range', () => {
    const r = detectEchoBleed(mix({ x: owner }, { x: farEnd, gainDb: -20, delaySec: 0.8 }, { x: noise(7) }), mix({ x: farEnd }, { x: noise(8) }), RATE);
    expect(r.correlation).toBeLessThan(0.8);
  });

  it('in double talk, still finds the bleed in the pauses of the owner, and finds none without it', () => {
    // The owner talks over half of every far-end turn.
    const overlapping = talker(3, [
      [2, 4],
      [10, 12],
      [18.5, 20],
      [26, 29],
      [35, 37],
    ]);
    const ch1 = mix({ x: farEnd }, { x: noise(8) });
    const clean = detectEchoBleed(mix({ x: overlapping }, { x: noise(7) }), ch1, RATE);
    expect(clean.detected).toBe(false);
    expect(clean.correlation).toBeLessThan(0.3);
    const bleed = detectEchoBleed(mix({ x: overlapping }, { x: farEnd, gainDb: -20, delaySec: 0.12 }, { x: noise(7) }), ch1, RATE);
    expect(bleed.detected).toBe(true);
    expect(Math.abs(bleed.lagMs - 120)).toBeLessThanOrEqual(10);
  });

  it('gives no verdict on silence, or when the far end hardly speaks', () => {
    const silent = detectEchoBleed(new Float32Array(SEC * RATE), new Float32Array(SEC * RATE), RATE);
    expect(silent).toMatchObject({ detected: false, reason: 'insufficient_far_end_speech', correlation: 0, spans: [] });
    const briefFarEnd = talker(2, [[1, 2.5]]);
    const r = detectEchoBleed(mix({ x: owner }, { x: briefFarEnd, gainDb: -20, delaySec: 0.1 }, { x: noise(7) }), mix({ x: briefFarEnd }, { x: noise(8) }), RATE);
    expect(r.reason).toBe('insufficient_far_end_speech');
    expect(r.detected).toBe(false);
  });

  it('finds no bleed when channel 0 is digital silence (a muted microphone)', () => {
    const r = detectEchoBleed(new Float32Array(SEC * RATE), mix({ x: farEnd }, { x: noise(8) }), RATE);
    expect(r.detected).toBe(false);
    expect(r.correlation).toBe(0);
    expect(r.bleedRatioDb).toBeNull();
  });

  it('works on coarse level envelopes too (50 ms meter readings)', () => {
    const ch0 = mix({ x: owner }, { x: farEnd, gainDb: -20, delaySec: 0.2 }, { x: noise(7) });
    const ch1 = mix({ x: farEnd }, { x: noise(8) });
    const r = detectEchoBleedFromEnvelopes(frameEnergiesDb(ch0, RATE, 0.05), frameEnergiesDb(ch1, RATE, 0.05), { frameSec: 0.05 });
    expect(r.detected).toBe(true);
    expect(Math.abs(r.lagMs - 200)).toBeLessThanOrEqual(50);
  });
});
