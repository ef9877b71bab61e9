import { scoredItems, type VerifiedAnalysis } from '../../app/rubric/analysis';
import type { TranscriptUnit } from '../../app/transcript/units';

/** One block of the results view: a scored item or a sentence of feedback, with the units it cites. */
export interface EvidenceBlock {
  key: string;
  kind: 'item' | 'strength' | 'suggestion' | 'practice';
  heading: string;
  /** "3 of 5 — Good", for an item. */
  score: string | null;
  text: string;
  units: TranscriptUnit[];
}

/** The evaluation's cited units, grouped as the report shows them: items in rubric order, then strengths, suggestions and the suggestions from the behaviour counts. */
export function evidenceBlocks(a: VerifiedAnalysis): EvidenceBlock[] {
  const items = scoredItems(a).map((i): EvidenceBlock => ({
    key: `item-${i.itemId}`,
    kind: 'item',
    heading: i.title,
    score: `${i.score} of ${i.scaleMax}${i.scoreLabel ? ` — ${i.scoreLabel}` : ''}`,
    text: i.rationale,
    units: i.citations,
  }));
  const narrative = a.narrative.status === 'written' ? a.narrative : null;
  const said = (kind: 'strength' | 'suggestion', list: NonNullable<typeof narrative>['strengths']) =>
    list.map((s, n): EvidenceBlock => ({ key: `${kind}-${n}`, kind, heading: kind === 'strength' ? 'Strength' : 'Suggestion', score: null, text: s.text, units: s.citations }));
  const practice = (a.coding?.status === 'coded' ? (a.coding.practice ?? []) : []).map(
    (p): EvidenceBlock => ({ key: `practice-${p.indicatorId}`, kind: 'practice', heading: `From the behaviour counts · ${p.title}`, score: null, text: p.text, units: p.citations }),
  );
  return [...items, ...(narrative ? [...said('strength', narrative.strengths), ...said('suggestion', narrative.suggestions)] : []), ...practice];
}

/** Where playback of a unit starts and stops; a unit whose end is not after its start plays one second. */
export function playbackSpan(u: Pick<TranscriptUnit, 'start' | 'end'>): { from: number; to: number } {
  return { from: u.start, to: u.end > u.start ? u.end : u.start + 1 };
}
