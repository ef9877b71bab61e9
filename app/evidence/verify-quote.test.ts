import { describe, expect, it } from 'vitest';
import type { Segment } from '../transcript/transcript';
import { consultation, timedSegment, transcriptOf } from './transcript-fixture';
import { verifyQuote } from './verify-quote';

function found(quote: string, opts: Parameters<typeof verifyQuote>[2] = {}) {
  const r = verifyQuote(quote, consultation, opts);
  if (!r.verified) throw new Error(`expected "${quote}" to verify, got ${r.reason}`);
  return r.value;
}

describe('verifyQuote keeps true quotes', () => {
  it('locates an exact quote with its speaker and the times of its first and last word', () => {
    const q = found('What brings you in today?', { speaker: 0 });
    // "Hello, I'm Doctor Patel. What brings you in today?" — 9 words over 0–4 s.
    expect(q).toEqual({ quote: 'What brings you in today?', matchedText: 'What brings you in today?', channel: 0, start: (4 / 9) * 4, end: 4, similarity: 1 });
  });

  it('ignores case, punctuation, apostrophes, hesitations and number spelling', () => {
    expect(found('WHAT BRINGS YOU IN TODAY').similarity).toBe(1);
    expect(found('ive been having these headaches for about 25 days', { speaker: 1 })).toMatchObject({ channel: 1, similarity: 1 });
    expect(found("you're worried it could be something serious", { speaker: 0 })).toMatchObject({ similarity: 1, matchedText: "You're, um, worried it could be something serious." });
    expect(found('my father had a stroke at 52', { speaker: 1 }).similarity).toBe(1);
  });

  it('tolerates one or two recognition differences', () => {
    const one = found('It sounds like the headache are really wearing you down', { speaker: 0 });
    expect(one.similarity).toBeGreaterThan(0.9);
    expect(one.similarity).toBeLessThan(1);
    const two = found('it sounds like the headache is really wearing you down', { speaker: 0 });
    expect(two.similarity).toBeGreaterThanOrEqual(0.8);
    expect(two.similarity).toBeLessThan(one.similarity);
    expect(two.matchedText).toBe('It sounds like the headaches are really wearing you down.');
  });

  it('matches a quote that spans two consecutive segments of the same speaker', () => {
    const q = found("for about twenty-five days now. They're worse in the mornings", { speaker: 1 });
    expect(q.channel).toBe(1);
    expect(q.start).toBeLessThan(9);
    expect(q.end).toBeGreaterThan(9.2);
    expect(q.matchedText).toBe("for about twenty-five days now. They're worse in the mornings,");
  });

  it('attributes a quote to the channel that said it when no speaker is claimed', () => {
    expect(found('worse in the mornings and I cannot sleep', { threshold: 0.75 }).channel).toBe(1);
  });

  it('joins a contraction the recogniser split into two words', () => {
    const seg: Segment = {
      channel: 1, start: 0, end: 2, text: "I can't sleep at night",
      words: [
        { text: ' I', start: 0, end: 0.2 }, { text: ' can', start: 0.2, end: 0.5 }, { text: "'t", start: 0.5, end: 0.6 },
        { text: ' sleep', start: 0.6, end: 1 }, { text: ' at', start: 1, end: 1.2 }, { text: ' night', start: 1.2, end: 2 },
      ],
    };
    const r = verifyQuote("I can't sleep at night", transcriptOf([seg]), { speaker: 1 });
    expect(r).toEqual({ verified: true, value: { quote: "I can't sleep at night", matchedText: "I can't sleep at night", channel: 1, start: 0, end: 2, similarity: 1 } });
  });

  it('uses times spread over the segment when it has no word timestamps', () => {
    const t = transcriptOf([{ channel: 0, start: 10, end: 20, text: 'aaaa bbbb cccc dddd eeee', words: [] }]);
    const r = verifyQuote('cccc dddd eeee', t, { speaker: 0 });
    expect(r.verified && [r.value.start, r.value.end]).toEqual([14, 20]);
  });

  it('returns the first occurrence of a quote said twice', () => {
    const t = transcriptOf([timedSegment(0, 0, 3, 'I do not know.'), timedSegment(1, 3, 4, 'Okay.'), timedSegment(0, 5, 8, 'I do not know.')]);
    const r = verifyQuote('I do not know', t, { speaker: 0 });
    expect(r.verified && r.value.start).toBe(0);
  });
});

describe('verifyQuote rejects invented quotes', () => {
  it('rejects a plausible sentence that was never said', () => {
    expect(verifyQuote('Have you taken any painkillers for the headaches?', consultation, { speaker: 0 })).toEqual({ verified: false, reason: 'not_found' });
    expect(verifyQuote('I have been having migraines for about two months', consultation, { speaker: 1 })).toEqual({ verified: false, reason: 'not_found' });
  });

  it('rejects a quote attributed to the wrong speaker', () => {
    expect(verifyQuote('What brings you in today?', consultation, { speaker: 1 })).toEqual({ verified: false, reason: 'wrong_speaker' });
  });

  it('rejects a quote stitched across the other speaker’s turn', () => {
    expect(verifyQuote('really wearing you down. Yes, exactly.', consultation)).toEqual({ verified: false, reason: 'not_found' });
    expect(verifyQuote('wearing you down worried it could be', consultation, { speaker: 0 })).toEqual({ verified: false, reason: 'not_found' });
  });

  it('rejects quotes too short to prove anything', () => {
    expect(verifyQuote('headaches', consultation)).toEqual({ verified: false, reason: 'too_short' });
    expect(verifyQuote('Yes, exactly.', consultation)).toEqual({ verified: false, reason: 'too_short' });
    expect(verifyQuote('...', consultation)).toEqual({ verified: false, reason: 'too_short' });
    expect(verifyQuote('Yes, exactly.', consultation, { minWords: 2 }).verified).toBe(true);
  });

  it('rejects a quote with too many changed words and a changed number', () => {
    expect(verifyQuote('It seems like the migraines are slowly wearing him down', consultation).verified).toBe(false);
    expect(verifyQuote('my father had a stroke at 62', consultation, { speaker: 1 }).verified).toBe(false);
  });
});
