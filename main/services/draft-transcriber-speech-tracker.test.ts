import { describe, expect, it } from 'vitest';
import { place, speak } from '../../speech/speech-fixtures';
import { SpeechTracker, type SpeechSpan } from './draft-transcriber-speech-tracker';

const SR = 16000;

/** Feeds `pcm` in chunks; records after which chunk each span became ready. */
function feed(tracker: SpeechTracker, pcm: Float32Array, chunkSec = 0.5): { span: SpeechSpan; readyAtSec: number }[] {
  const out: { span: SpeechSpan; readyAtSec: number }[] = [];
  const step = Math.round(chunkSec * SR);
  for (let i = 0; i < pcm.length; i += step) {
    for (const span of tracker.push(pcm.slice(i, i + step))) out.push({ span, readyAtSec: tracker.receivedSec });
  }
  return out;
}

describe('speech tracker of the draft transcriber (real espeak-ng speech, real VAD)', () => {
  it('hands out each utterance soon after it ends, while audio keeps coming', () => {
    const a = speak('Please tell me how you have been feeling since our last appointment.');
    const b = speak('What do you think is keeping you awake at night?');
    const aAt = 1;
    const bAt = aAt + a.length / SR + 3;
    const total = bAt + b.length / SR + 2;
    const pcm = place(total, [{ at: aAt, pcm: a }, { at: bAt, pcm: b }]);
    const tracker = new SpeechTracker({ channel: 1, sampleRate: SR });

    const ready = feed(tracker, pcm);
    expect(ready.map((r) => r.span.channel)).toEqual([1, 1]);
    const [first, second] = ready;
    const aEnd = aAt + a.length / SR;
    // The first utterance is ready during the silence after it: before the second one starts.
    expect(first!.readyAtSec).toBeGreaterThanOrEqual(aEnd + 0.6);
    expect(first!.readyAtSec).toBeLessThan(bAt);
    expect(first!.span.start).toBeGreaterThan(aAt - 0.3);
    expect(first!.span.start).toBeLessThanOrEqual(aAt + 0.05);
    expect(first!.span.end).toBeGreaterThanOrEqual(aEnd - 0.05);
    expect(first!.span.end).toBeLessThan(aEnd + 0.4);
    expect(second!.span.start).toBeGreaterThan(aEnd);
    expect(second!.span.end).toBeGreaterThanOrEqual(bAt + b.length / SR - 0.05);
    expect(tracker.flush()).toEqual([]);
  });

  it('cuts continuous speech into spans of at most the limit, edge to edge, and flushes the rest', () => {
    const lines = [
      'I have been sleeping badly and I feel tired most mornings.',
      'My father had a stroke when he was about my age.',
      'Between the kids and the job there just is not much time left over.',
      'I know I should be doing more exercise but it is hard.',
    ].map((t) => speak(t));
    let at = 0.5;
    const clips = lines.map((pcm) => {
      const c = { at, pcm };
      at += pcm.length / SR + 0.05;
      return c;
    });
    const speechEnd = at;
    const pcm = place(speechEnd + 0.3, clips);
    const tracker = new SpeechTracker({ channel: 0, sampleRate: SR, maxSpanSec: 6 });

    const spans = [...feed(tracker, pcm).map((r) => r.span), ...tracker.flush()];
    expect(speechEnd).toBeGreaterThan(12);
    expect(spans.length).toBeGreaterThanOrEqual(2);
    for (const [i, s] of spans.entries()) {
      expect(s.end - s.start).toBeLessThanOrEqual(6 + 0.5);
      if (i > 0) {
        expect(s.cutBefore).toBe(spans[i - 1]!.cutAfter);
        if (s.cutBefore) expect(s.start).toBe(spans[i - 1]!.end);
      }
    }
    expect(spans[0]!.cutAfter).toBe(true);
    expect(spans[spans.length - 1]!.end).toBeGreaterThan(speechEnd - 0.1);
  });

  it('hands out nothing for silence or faint noise and keeps only a bounded stretch of audio', () => {
    const tracker = new SpeechTracker({ channel: 0, sampleRate: SR });
    let seed = 7;
    const chunk = () =>
      Float32Array.from({ length: SR / 2 }, () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return (seed / 0x7fffffff - 0.5) * 0.001;
      });
    const spans: SpeechSpan[] = [];
    for (let i = 0; i < 240; i++) spans.push(...tracker.push(i % 2 ? chunk() : new Float32Array(SR / 2)));
    spans.push(...tracker.flush());
    expect(spans).toEqual([]);
    expect(tracker.receivedSec).toBe(120);
    expect(tracker.keptSec).toBeLessThan(60);
  });

  it('keeps the audio of a span until it is released', () => {
    const a = speak('Good morning, thanks for coming back in.');
    const pcm = place(a.length / SR + 2, [{ at: 0.5, pcm: a }]);
    const tracker = new SpeechTracker({ channel: 0, sampleRate: SR, contextSec: 1, maxScanSec: 2 });
    const [ready] = feed(tracker, pcm);
    for (let i = 0; i < 40; i++) tracker.push(new Float32Array(SR / 2));
    const audio = tracker.slice(ready!.span.start, ready!.span.end);
    expect(audio.length).toBe(Math.round(ready!.span.end * SR) - Math.round(ready!.span.start * SR));
    expect(audio.some((x) => Math.abs(x) > 0.05)).toBe(true);
    tracker.release(ready!.span);
    tracker.push(new Float32Array(SR / 2));
    expect(() => tracker.slice(ready!.span.start, ready!.span.end)).toThrow(/released/);
  });
});
