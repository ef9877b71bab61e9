import type { TranscriptUnit } from '../transcript/units';
import type { IndicatorValue, PracticePoint } from './analysis';
import type { RubricCoding } from './rubric';

/**
 * Suggestions from the behaviour counts (docs/decisions/030). The embedded model's suggestions were
 * often true of any consultation, or about something the clinician had already done (the demo's one
 * suggestion was to ask about the father's stroke, which the clinician had reflected at 00:48). An
 * indicator that misses the rubric's numeric goal is a suggestion the reader can check: the value,
 * the target, the rubric author's advice and the moments the count is made of.
 *
 * The moments: when a share or ratio is too low, the units coded with what it counts against (the
 * questions of "reflections per question", the simple reflections of "% complex reflections"); when
 * a count is too high, the units it counts. Of those, the ones that came straight after the
 * patient's longest turns come first (where there was most to reflect or build on), with that turn
 * cited too; at most two. A count that is too low has no moments to show: its absence is the point.
 */

const MAX_MOMENTS = 2;

function valueText(ind: Pick<IndicatorValue, 'unit' | 'value'>): string {
  const v = ind.value ?? 0;
  return ind.unit === 'percent' ? `${Math.round(v)} %` : String(Math.round(v * 100) / 100);
}

const wordCount = (t: string) => t.split(/\s+/).filter(Boolean).length;

function listTitles(titles: readonly string[]): string {
  if (titles.length <= 1) return titles[0] ?? '';
  return `${titles.slice(0, -1).join(', ')} or ${titles.at(-1)}`;
}

export function practicePoints(book: RubricCoding, values: readonly IndicatorValue[], units: readonly TranscriptUnit[], unitCodes: Readonly<Record<string, string>>): PracticePoint[] {
  const byValue = new Map(values.map((v) => [v.id, v]));
  const titleOf = new Map(book.codes.map((c) => [c.id, c.title.toLowerCase()]));
  const position = new Map(units.map((u, i) => [u.id, i]));
  const points: PracticePoint[] = [];
  for (const ind of book.indicators) {
    const v = byValue.get(ind.id);
    if (!ind.goal || !ind.advice || !v || v.value === null) continue;
    const low = ind.goal.atLeast !== undefined && v.value < ind.goal.atLeast;
    const high = ind.goal.atMost !== undefined && v.value > ind.goal.atMost;
    if (!low && !high) continue;
    const momentCodes = high ? ind.numerator : ind.unit === 'count' ? [] : ind.denominator.filter((c) => !ind.numerator.includes(c));
    const candidates = units.filter((u) => u.channel === 0 && momentCodes.includes(unitCodes[u.id] ?? ''));
    const before = (u: TranscriptUnit) => {
      const prev = units[(position.get(u.id) ?? 0) - 1];
      return prev && prev.channel === 1 ? prev : undefined;
    };
    const chosen = [...candidates]
      .sort((a, b) => wordCount(before(b)?.text ?? '') - wordCount(before(a)?.text ?? '') || position.get(a.id)! - position.get(b.id)!)
      .slice(0, MAX_MOMENTS)
      .sort((a, b) => position.get(a.id)! - position.get(b.id)!);
    const afterPatient = chosen.some((u) => before(u));
    const citations = chosen.flatMap((u) => [...(afterPatient && before(u) ? [before(u)!] : []), u]).map((u) => ({ ...u }));
    const codes = listTitles(momentCodes.map((c) => titleOf.get(c) ?? c));
    const shown =
      chosen.length === 0
        ? ''
        : ` Shown: ${chosen.length === candidates.length ? (chosen.length === 1 ? 'the one' : `all ${chosen.length}`) : `${chosen.length} of the ${candidates.length}`} ${chosen.length === 1 ? 'unit' : 'units'} coded ${codes}${afterPatient && chosen.length < candidates.length ? ', those that came straight after the patient’s longest turns' : ''}.`;
    points.push({
      indicatorId: ind.id,
      title: ind.title,
      value: v.value,
      target: ind.target ?? null,
      text: `${ind.title}: ${valueText(v)}${ind.target ? ` (target: ${ind.target})` : ''}. ${ind.advice}${shown}`,
      citations,
      rejected: [],
    });
  }
  return points;
}
