import { describe, expect, it } from 'vitest';
import { planSpeechWindows, windowSamples, windowToRecording } from './speech-windows';
import { dropNonSpeech, placeWords, wordsToSegments } from './whisper-engine';

const r = (start: number, end: number) => ({ channel: 0 as const, start, end });

describe('planSpeechWindows', () => {
  it('gives each speech region its own window, so no word can be timed into a neighbouring region', () => {
    const windows = planSpeechWindows([r(2, 5), r(5.15, 6), r(100, 103)], 200, { padSec: 0.1, edgeSilenceSec: 0 });
    expect(windows.map((w) => w.pieces)).toEqual([
      [{ windowStart: 0, recordingStart: 1.9, duration: expect.closeTo(4.2, 6), speechStart: 2, speechEnd: 6 }],
      [{ windowStart: 0, recordingStart: 99.9, duration: expect.closeTo(3.2, 6), speechStart: 100, speechEnd: 103 }],
    ]);
  });

  it('splices distant regions into one window without the silence between them when asked', () => {
    const [w, ...rest] = planSpeechWindows([r(2, 5), r(100, 103)], 200, { padSec: 0.1, spliceGapSec: 0.4, spliceRegions: true, edgeSilenceSec: 0 });
    expect(rest).toEqual([]);
    expect(w!.pieces).toEqual([
      { windowStart: 0, recordingStart: 1.9, duration: expect.closeTo(3.2, 6), speechStart: 2, speechEnd: 5 },
      { windowStart: expect.closeTo(3.6, 6), recordingStart: 99.9, duration: expect.closeTo(3.2, 6), speechStart: 100, speechEnd: 103 },
    ]);
  });

  it('starts a new window before exceeding the maximum and splits over-long regions', () => {
    const windows = planSpeechWindows([r(0, 20), r(30, 45), r(50, 120)], 130, { maxWindowSec: 28, padSec: 0, spliceRegions: true, edgeSilenceSec: 0 });
    for (const w of windows) expect(w.duration).toBeLessThanOrEqual(28);
    const covered = windows.flatMap((w) => w.pieces).reduce((s, p) => s + p.duration, 0);
    expect(covered).toBeCloseTo(20 + 15 + 70, 6);
  });

  it('puts silence before and after the speech of a window, and maps times inside it back', () => {
    const [w] = planSpeechWindows([r(10, 12)], 20, { padSec: 0, edgeSilenceSec: 0.5 });
    expect(w).toEqual({ pieces: [{ windowStart: 0.5, recordingStart: 10, duration: 2, speechStart: 10, speechEnd: 12 }], duration: 3 });
    expect(windowToRecording(w!, 0.2).time).toBe(10);
    expect(windowToRecording(w!, 1.5).time).toBeCloseTo(11);
    expect(windowToRecording(w!, 2.9).time).toBe(12);
    const pcm = new Float32Array(20 * 100).fill(1);
    const out = windowSamples(pcm, 100, w!);
    expect([out[49], out[50], out[249], out[250]]).toEqual([0, 1, 1, 0]);
  });

  it('plans nothing without regions', () => {
    expect(planSpeechWindows([], 60)).toEqual([]);
  });
});

describe('window time mapping', () => {
  const [w] = planSpeechWindows([r(2, 5), r(100, 103)], 200, { padSec: 0, spliceGapSec: 0.4, spliceRegions: true, edgeSilenceSec: 0 });

  it('maps window times back to the recording, snapping splice gaps to the nearer edge', () => {
    expect(windowToRecording(w!, 1).time).toBeCloseTo(3);
    expect(windowToRecording(w!, 3.5).time).toBeCloseTo(100.1);
    expect(windowToRecording(w!, 3.05).time).toBeCloseTo(5);
    expect(windowToRecording(w!, 3.35).time).toBeCloseTo(100);
  });

  it('copies each piece of audio into place', () => {
    const pcm = new Float32Array(200 * 100).map((_, i) => i);
    const out = windowSamples(pcm, 100, w!);
    expect(out[0]).toBe(200);
    expect(out[340]).toBe(10000);
    expect(out[320]).toBe(0);
  });
});

describe('word post-processing', () => {
  it('drops bracketed and musical annotations, also when split over several words', () => {
    const words = ['[BLANK_AUDIO]', 'Hello', '(soft', 'music)', 'there', '*laughs*', '♪', 'friend.'].map((text, i) => ({ text, start: i, end: i + 1 }));
    expect(dropNonSpeech(words).map((w) => w.text)).toEqual(['Hello', 'there', 'friend.']);
  });

  it('spreads words that whisper.cpp gave no duration, by characters, and splits segments at sentence ends', () => {
    const [w] = planSpeechWindows([r(10, 14)], 20, { padSec: 0, edgeSilenceSec: 0 });
    const placed = placeWords(w!, [
      { text: 'The', start: 0, end: 0 },
      { text: 'quick', start: 0, end: 0 },
      { text: 'fox.', start: 1, end: 1.5 },
      { text: 'Yes.', start: 2, end: 2.4 },
    ]);
    expect(placed.map((p) => [p.start, p.end])).toEqual([[10, 10.38], [10.38, 11], [11, 11.5], [12, 12.4]]);
    const segments = wordsToSegments(1, placed);
    expect(segments.map((s) => [s.text, s.start, s.end, s.channel])).toEqual([['The quick fox.', 10, 11.5, 1], ['Yes.', 12, 12.4, 1]]);
  });

  it('never times a word in the padding around the speech', () => {
    // Region 20–23 s, padded to 19.85–23.15 s for Whisper; its words stay within 20–23 s.
    const [w] = planSpeechWindows([r(20, 23)], 30, { padSec: 0.15, edgeSilenceSec: 0 });
    const placed = placeWords(w!, [
      { text: 'Sure,', start: 0, end: 0.4 },
      { text: 'go', start: 0.4, end: 1 },
      { text: 'ahead.', start: 1, end: 3.3 },
    ]);
    expect(placed[0]!.start).toBe(20);
    expect(placed[2]!.end).toBe(23);
  });

  it('gives words timed at or past the end of the audio a share of the time before them, never zero length', () => {
    // whisper.cpp timed "hear." and "And" past the window: both are clamped to the region's end.
    const [w] = planSpeechWindows([r(20, 23)], 30, { padSec: 0 });
    const placed = placeWords(w!, [
      { text: 'good', start: 0.2, end: 0.6 },
      { text: 'to', start: 0.6, end: 2.9 },
      { text: 'hear.', start: 3.2, end: 3.5 },
      { text: 'And', start: 3.5, end: 3.5 },
    ]);
    for (const p of placed) expect(p.end - p.start).toBeGreaterThanOrEqual(0.08);
    for (const p of placed) expect(p.end).toBeLessThanOrEqual(23);
    expect(placed.map((p) => p.text)).toEqual(['good', 'to', 'hear.', 'And']);
    for (let i = 1; i < placed.length; i++) expect(placed[i]!.start).toBeGreaterThanOrEqual(placed[i - 1]!.end - 1e-9);
    expect(wordsToSegments(0, placed).every((s) => s.end > s.start)).toBe(true);
  });
});
