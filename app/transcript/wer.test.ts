import { describe, expect, it } from 'vitest';
import { computeWer, normaliseWords } from './wer';

describe('normaliseWords', () => {
  it('lower-cases, drops punctuation, keeps inner apostrophes and splits hyphens', () => {
    expect(normaliseWords("Well-known, isn't it? 'Yes!'")).toEqual(['well', 'known', "isn't", 'it', 'yes']);
  });

  it('spells out small integers', () => {
    expect(normaliseWords('I slept 3 hours, 45 minutes in 1999, paid 1,200')).toEqual([
      'i', 'slept', 'three', 'hours', 'forty', 'five', 'minutes', 'in', 'one', 'thousand', 'nine', 'hundred', 'ninety', 'nine', 'paid', 'one', 'thousand', 'two', 'hundred',
    ]);
  });
});

describe('computeWer', () => {
  it('is zero for identical text up to case and punctuation', () => {
    expect(computeWer('Hello, how are you?', 'hello how are you')).toMatchObject({ wer: 0, refWords: 4 });
  });

  it('counts a substitution, a deletion and an insertion', () => {
    const r = computeWer('the cat sat on the mat', 'the bat sat on mat');
    expect(r).toMatchObject({ substitutions: 1, deletions: 1, insertions: 0, refWords: 6, hypWords: 5 });
    expect(r.wer).toBeCloseTo(2 / 6);
    expect(computeWer('the cat sat', 'so the cat sat')).toMatchObject({ substitutions: 0, deletions: 0, insertions: 1, wer: 1 / 3 });
  });

  it('treats digits and number words alike', () => {
    expect(computeWer('about twenty five minutes', 'about 25 minutes').wer).toBe(0);
  });

  it('is 1 for an empty hypothesis and handles an empty reference', () => {
    expect(computeWer('one two three', '')).toMatchObject({ wer: 1, deletions: 3 });
    expect(computeWer('', '')).toMatchObject({ wer: 0 });
    expect(computeWer('', 'noise')).toMatchObject({ wer: 1, insertions: 1 });
  });

  it('can exceed 1 when the hypothesis adds many words', () => {
    expect(computeWer('yes', 'yes yes yes').wer).toBe(2);
  });
});
