import { describe, expect, it } from 'vitest';
import sttSample from './sample-stt-segments.json';
import type { Segment, Transcript } from './transcript';
import { renderUnit, splitIntoUnits, type TranscriptUnit } from './units';

const stt = sttSample as unknown as Pick<Transcript, 'segments'>;

/** A segment whose words are spread evenly over its time (like whisper's word timings). */
function seg(channel: 0 | 1, start: number, end: number, text: string): Segment {
  const tokens = text.split(' ');
  const step = (end - start) / tokens.length;
  return { channel, start, end, text, words: tokens.map((t, k) => ({ text: t, start: start + k * step, end: start + (k + 1) * step })) };
}

const words = (segments: Segment[], channel: 0 | 1) => segments.filter((s) => s.channel === channel).sort((a, b) => a.start - b.start).flatMap((s) => s.words.map((w) => w.text.trim()).filter(Boolean));

describe('splitIntoUnits on a real speech-to-text transcript (the sample session, whisper tiny.en)', () => {
  const units = splitIntoUnits(stt);

  it('numbers units u1…uN in time order', () => {
    expect(units.map((u) => u.id)).toEqual(units.map((_, i) => `u${i + 1}`));
    for (let i = 1; i < units.length; i++) expect(units[i]!.start).toBeGreaterThanOrEqual(units[i - 1]!.start);
  });

  it("keeps every word of each speaker exactly once, in order, as the transcript's own text", () => {
    for (const ch of [0, 1] as const) {
      expect(units.filter((u) => u.channel === ch).sort((a, b) => a.start - b.start).flatMap((u) => u.text.split(' '))).toEqual(words(stt.segments, ch));
    }
  });

  it('never lets a unit run across a turn of the other speaker', () => {
    const all = (ch: 0 | 1) => stt.segments.filter((s) => s.channel === ch).flatMap((s) => s.words);
    for (const u of units) {
      const inside = all(u.channel).filter((w) => w.start >= u.start && w.end <= u.end);
      for (let i = 1; i < inside.length; i++) {
        const gapFrom = inside[i - 1]!.end;
        const gapTo = inside[i]!.start;
        const other = all(u.channel === 0 ? 1 : 0).filter((w) => (w.start + w.end) / 2 >= gapFrom && (w.start + w.end) / 2 <= gapTo && gapTo > gapFrom);
        expect(other, `${u.id} "${u.text}"`).toEqual([]);
      }
    }
  });

  it('keeps sentence fragments cut by the other speaker as their own units, and a zero-length word with end ≥ start', () => {
    const text = (t: string) => units.find((u) => u.text === t);
    expect(text("That's")).toMatchObject({ channel: 0 });
    expect(text('good to hear.')).toMatchObject({ channel: 0 });
    expect(text('Okay,')).toMatchObject({ channel: 0 });
    expect(text('And')).toMatchObject({ channel: 0, start: 168.36, end: 168.36 });
    for (const u of units) expect(u.end).toBeGreaterThanOrEqual(u.start);
  });

  it('splits at sentence ends: one sentence per unit', () => {
    expect(units.filter((u) => u.text.startsWith('Good morning') || u.text.startsWith('Thanks for coming')).map((u) => u.text)).toEqual(['Good morning, Daniel.', 'Thanks for coming back in.']);
    // The one exception is a short tail the recogniser split off its sentence (the script says
    // "Well, it didn't last, no."), which stays with it.
    expect(units.filter((u) => /[.?!] \S/.test(u.text)).map((u) => u.text)).toEqual(["Well, it didn't last. No."]);
  });
});

describe('splitIntoUnits rules', () => {
  const texts = (us: TranscriptUnit[]) => us.map((u) => `${u.channel}:${u.text}`);

  it('does not cut a sentence when the other speaker overlaps it with a backchannel', () => {
    const us = splitIntoUnits({ segments: [seg(1, 10, 16, 'But between the kids and the job there just is no time left.'), seg(0, 13.1, 13.5, 'Right.')] });
    expect(texts(us)).toEqual(['1:But between the kids and the job there just is no time left.', '0:Right.']);
  });

  it('cuts where the other speaker takes a turn in a gap, and at a long pause', () => {
    const us = splitIntoUnits({
      segments: [seg(0, 0, 1, 'What do'), seg(1, 1.4, 2, 'Sorry?'), seg(0, 2.3, 3, 'you think'), seg(0, 6, 7, 'about that')],
    });
    expect(texts(us)).toEqual(['0:What do', '1:Sorry?', '0:you think', '0:about that']);
  });

  it('keeps a backchannel followed by a pause as its own unit, and "Dr." inside a sentence', () => {
    const us = splitIntoUnits({ segments: [seg(0, 0, 0.4, 'Mm-hm'), seg(0, 0.9, 3, 'Dr. Lee will call you')] });
    expect(texts(us)).toEqual(['0:Mm-hm', '0:Dr. Lee will call you']);
  });

  it('cuts a run-on sentence at a comma before the word limit', () => {
    const long = Array.from({ length: 30 }, (_, i) => (i === 17 ? `w${i},` : `w${i}`)).join(' ');
    const us = splitIntoUnits({ segments: [seg(0, 0, 10, long)] }, { maxWords: 20 });
    expect(us.map((u) => u.text.split(' ').length)).toEqual([18, 12]);
  });

  it('spreads a segment without word timings over its time', () => {
    const us = splitIntoUnits({ segments: [{ channel: 1, start: 2, end: 6, text: 'One two. Three four.', words: [] }] });
    expect(us).toEqual([
      { id: 'u1', channel: 1, start: 2, end: 4, text: 'One two.' },
      { id: 'u2', channel: 1, start: 4, end: 6, text: 'Three four.' },
    ]);
  });

  it('renders a unit as the model reads it', () => {
    expect(renderUnit({ id: 'u12', channel: 0, start: 83.4, end: 85, text: 'How has that gone?' })).toBe('u12 [01:23] CLINICIAN: How has that gone?');
    expect(renderUnit({ id: 'u3', channel: 1, start: 3725.9, end: 3727, text: 'Thanks.' })).toBe('u3 [62:05] PATIENT: Thanks.');
  });
});

describe('a short tail the recogniser split off a sentence', () => {
  const texts = (segments: Segment[]) => splitIntoUnits({ segments }).map((u) => u.text);

  it('stays with the sentence it ends, when said without a pause', () => {
    expect(texts([seg(0, 0, 6, 'Others focus on salt, which can lower blood pressure. Quite a lot.')])).toEqual(['Others focus on salt, which can lower blood pressure. Quite a lot.']);
  });

  it('is a unit of its own after a pause, after the other speaker, or after a short sentence', () => {
    const paused: Segment[] = [seg(0, 0, 4, 'This can lower blood pressure.'), seg(0, 4.5, 5.5, 'Quite a lot.')];
    expect(texts(paused)).toEqual(['This can lower blood pressure.', 'Quite a lot.']);
    const turn: Segment[] = [seg(0, 0, 4, 'This can lower blood pressure.'), seg(1, 4.05, 4.25, 'Mm.'), seg(0, 4.3, 5.3, 'Quite a lot.')];
    expect(texts(turn).filter((t) => t !== 'Mm.')).toEqual(['This can lower blood pressure.', 'Quite a lot.']);
    expect(texts([seg(0, 0, 3, 'Busy with work. Quite a lot.')])).toEqual(['Busy with work.', 'Quite a lot.']);
  });

  it('is never a question, an exclamation, a backchannel, a thank-you or more than three words', () => {
    expect(texts([seg(0, 0, 6, 'You kept walking every evening. Did it help?')])).toEqual(['You kept walking every evening.', 'Did it help?']);
    expect(texts([seg(0, 0, 6, 'You kept walking every evening. Well done!')])).toEqual(['You kept walking every evening.', 'Well done!']);
    expect(texts([seg(0, 0, 6, 'You kept walking every evening. Okay then.')])).toEqual(['You kept walking every evening.', 'Okay then.']);
    expect(texts([seg(0, 0, 6, 'We will check it next month. Thanks, Daniel.')])).toEqual(['We will check it next month.', 'Thanks, Daniel.']);
    expect(texts([seg(0, 0, 7, 'You kept walking every evening. That takes real commitment.')])).toEqual(['You kept walking every evening.', 'That takes real commitment.']);
  });
});
