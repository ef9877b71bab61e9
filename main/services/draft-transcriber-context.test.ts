import { describe, expect, it } from 'vitest';
import type { Segment } from '../../app/transcript/transcript';
import { withoutContext } from './draft-transcriber-context';

/** One segment per entry, its words evenly timed from `start`. */
function seg(text: string, start: number, wordSec = 0.3): Segment {
  const words = text.split(' ').map((t, i) => ({ text: t, start: start + i * wordSec, end: start + (i + 1) * wordSec }));
  return { channel: 1, start, end: words[words.length - 1]!.end, text, words };
}

describe('withoutContext', () => {
  it('drops the re-decoded context words even when their times spill past the stretch start', () => {
    // Context "What do you make of that?" ends at 5.0; its last word was timed into the new stretch.
    const decoded = [seg('What do you make of', 3.5), seg('that? Right.', 5.05)];
    const out = withoutContext(decoded, 5.0, ['What', 'do', 'you', 'make', 'of', 'that?']);
    expect(out.map((s) => s.text)).toEqual(['Right.']);
    expect(out[0]!.words.map((w) => w.text)).toEqual(['Right.']);
    expect(out[0]!.start).toBeCloseTo(5.35);
  });

  it('keeps first words of the stretch that were timed before its start', () => {
    const decoded = [seg('Busy with work.', 2.0), seg('Thank you, Daniel.', 4.4)];
    // "Thank" is placed at 4.4–4.7, before the stretch start 4.8.
    const out = withoutContext(decoded, 4.8, ['Busy', 'with', 'work.']);
    expect(out.map((s) => s.text)).toEqual(['Thank you, Daniel.']);
  });

  it('splits at the time boundary when the context was recognised differently before', () => {
    const decoded = [seg('Not still to fear.', 1.0), seg('Your reading today', 3.0)];
    const out = withoutContext(decoded, 2.8, ['Winward', 'before', 'we', 'get']);
    expect(out.map((s) => s.text)).toEqual(['Your reading today']);
  });

  it('returns everything when nothing was decoded in the context', () => {
    const decoded = [seg('Right.', 5.1)];
    expect(withoutContext(decoded, 5.0, ['What', 'do', 'you', 'make', 'of', 'that?'])).toEqual(decoded);
  });
});
