import type { DraftCaption } from '../../app/contracts/ipc/drafts';

/** What the call room shows per speaker: the last finished lines and the line still being spoken. */
export interface SpeakerCaptions {
  finals: DraftCaption[];
  partial: DraftCaption | null;
}
export type CaptionBoard = [SpeakerCaptions, SpeakerCaptions];

export const emptyBoard = (): CaptionBoard => [
  { finals: [], partial: null },
  { finals: [], partial: null },
];

/**
 * A partial caption replaces the speaker's previous partial; a final one is added (unless empty)
 * and clears a partial it overlaps, so a line never shows twice. Keeps the last `keep` finals.
 */
export function applyCaption(board: CaptionBoard, c: DraftCaption, keep = 4): CaptionBoard {
  const next: CaptionBoard = [board[0], board[1]];
  const mine = board[c.channel];
  if (!c.final) {
    // A late partial of speech a final already covers is stale.
    if (mine.finals.some((f) => f.end > c.start + 0.01 && f.start <= c.start + 0.01)) return board;
    next[c.channel] = { ...mine, partial: c };
    return next;
  }
  const finals = c.text.trim() ? [...mine.finals, c].sort((a, b) => a.start - b.start).slice(-keep) : mine.finals;
  const partial = mine.partial && mine.partial.start < c.end ? null : mine.partial;
  next[c.channel] = { finals, partial };
  return next;
}
