import { describe, expect, it } from 'vitest';
import type { DraftCaption } from '../../app/contracts/ipc/drafts';
import { applyCaption, emptyBoard } from './caption-board';

const cap = (channel: 0 | 1, start: number, end: number, text: string, final: boolean): DraftCaption => ({ sessionId: '00000000-0000-4000-8000-000000000000', channel, start, end, text, final });

describe('caption board of the call room', () => {
  it('shows the newest partial of a speaker until the final line replaces it, under that speaker only', () => {
    let b = emptyBoard();
    b = applyCaption(b, cap(0, 1, 3.5, 'Good morning how', false));
    b = applyCaption(b, cap(0, 1, 6, 'Good morning how have you been', false));
    expect(b[0].partial?.text).toBe('Good morning how have you been');
    expect(b[1]).toEqual({ finals: [], partial: null });
    b = applyCaption(b, cap(0, 1, 7.2, 'Good morning, how have you been sleeping?', true));
    expect(b[0]).toEqual({ finals: [cap(0, 1, 7.2, 'Good morning, how have you been sleeping?', true)], partial: null });
  });

  it('ignores a partial that arrives after its final, drops empty finals and keeps only the last lines', () => {
    let b = emptyBoard();
    b = applyCaption(b, cap(1, 2, 4, 'Not very well.', true));
    b = applyCaption(b, cap(1, 2, 3.5, 'Not very', false));
    expect(b[1].partial).toBeNull();
    b = applyCaption(b, cap(1, 5, 6, '', true));
    expect(b[1].finals).toHaveLength(1);
    for (let i = 0; i < 6; i++) b = applyCaption(b, cap(1, 10 + i, 10.5 + i, `line ${i}`, true), 3);
    expect(b[1].finals.map((f) => f.text)).toEqual(['line 3', 'line 4', 'line 5']);
  });
});
