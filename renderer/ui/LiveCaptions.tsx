import { useEffect, useState } from 'react';
import type { SessionView } from '../../app/contracts/api';
import { isAppError } from '../../app/contracts/errors';
import { applyCaption, emptyBoard, type CaptionBoard } from '../call/caption-board';
import type { DraftTranscripts } from '../platform/platform';

/** Why there are no live captions, in words a clinician can act on. */
export function draftUnavailableText(e: unknown): string {
  if (isAppError(e) && e.code === 'stt.model_missing') return 'Draft transcript unavailable: model not installed — run npm run setup.';
  return `Draft transcript unavailable: ${e instanceof Error ? e.message : String(e)}`;
}

/** Captions of the session as they arrive, from the moment the room opens. */
export function useCaptionBoard(drafts: DraftTranscripts, sessionId: string): CaptionBoard {
  const [board, setBoard] = useState<CaptionBoard>(emptyBoard);
  useEffect(() => {
    if (!drafts.available) return;
    return drafts.onCaption((c) => {
      if (c.sessionId === sessionId) setBoard((b) => applyCaption(b, c));
    });
  }, [drafts, sessionId]);
  return board;
}

/**
 * Live captions under each speaker (channel 0 = the session owner, channel 1 = the other party).
 * Finished lines are announced politely; the line still being spoken is shown, not announced.
 */
export function LiveCaptions(props: { session: SessionView | undefined; board: CaptionBoard; unavailable: string | null }) {
  const name = (ch: 0 | 1) => props.session?.participants.find((p) => p.channel === ch)?.displayName ?? (ch === 0 ? 'You' : 'Other participant');
  return (
    <section aria-labelledby="captions-h" className="captions" data-testid="live-captions">
      <h2 id="captions-h">Live captions (draft, on this device)</h2>
      {props.unavailable ? (
        <p className="help" data-testid="captions-unavailable">
          {props.unavailable}
        </p>
      ) : (
        <div className="caption-columns">
          {([0, 1] as const).map((ch) => (
            <section key={ch} aria-label={`Captions of ${name(ch)}`} data-channel={ch} className={`speaker-${ch}`}>
              <h3>
                {name(ch)} <span className="help">(channel {ch})</span>
              </h3>
              <ol aria-live="polite" aria-relevant="additions" className="caption-lines">
                {props.board[ch].finals.map((c) => (
                  <li key={`${c.start}`} data-final="true">
                    {c.text}
                  </li>
                ))}
              </ol>
              {props.board[ch].partial ? (
                <p className="caption-partial" data-final="false">
                  {props.board[ch].partial.text}…
                </p>
              ) : null}
            </section>
          ))}
        </div>
      )}
    </section>
  );
}
