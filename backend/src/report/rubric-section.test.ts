import { describe, expect, it } from 'vitest';
import { discardedQuotesNote } from './rubric-section';

describe('discarded quotes note', () => {
  it('counts rejected quotes without repeating their text', () => {
    const note = discardedQuotesNote([
      { quote: 'invented words', reason: 'not_found' },
      { quote: 'more invented words', reason: 'not_found' },
    ]);
    expect(note).toBe('2 cited quotes could not be found in the transcript and were discarded.');
    expect(note).not.toContain('invented');
  });

  it('uses singular wording and a general reason when not every quote was missing', () => {
    expect(discardedQuotesNote([{ quote: 'x', reason: 'wrong_speaker' }])).toBe('1 cited quote could not be verified against the transcript and was discarded.');
    expect(discardedQuotesNote([])).toBeNull();
  });
});
