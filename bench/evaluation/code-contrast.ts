// The contrast pairs scored from the behaviour codes alone (no language model): every item with a
// code guide gets its score by codeScore, and every indicator that misses its goal a practice point,
// from (a) the trained classifier's codes and (b) the scripts' hand codes (what the rule gives when
// the coding is right). Compared with the expert's expected scores (expected.md). Seconds, not hours:
// it re-measures the code-scored part of the contrast targets whenever the classifier or a rule changes.
import type { Rubric } from '../../app/rubric/rubric';
import { rubricItems } from '../../app/rubric/rubric';
import { codeScore } from '../../app/rubric/code-score';
import { computeIndicators, countCodes } from '../../app/rubric/indicators';
import { practicePoints } from '../../app/rubric/practice-points';
import type { UnitCoder } from '../../backend/src/coding/unit-coder';
import type { ContrastPair, ExpectedScore } from '../../scripts/evaluation-set/contrast-pairs';
import type { CodeSetField } from '../../scripts/evaluation-set/coding-set';
import { normalise } from '../../scripts/evaluation-set/contrast-scores';
import { scriptUnits } from '../../scripts/evaluation-set/contrast-units';

type Version = 'good' | 'poor';
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const mean = (xs: readonly number[]) => (xs.length ? round4(xs.reduce((a, b) => a + b, 0) / xs.length) : null);

export interface CodedVersion {
  /** Item id → score on the item's scale, for the code-guided items. */
  scores: Record<string, number>;
  /** Mean normalised score of those items. */
  mean: number | null;
  /** Indicators that missed their goal (practice points). */
  practice: string[];
}

export interface CodeContrastEntry {
  scenario: string;
  rubricId: string;
  items: string[];
  classifier: Record<Version, CodedVersion> & { difference: number | null; favourGood: number; favourPoor: number; ties: number };
  handCodes: Record<Version, CodedVersion> & { difference: number | null };
  /** The expert's expected scores of the same items. */
  expected: Record<Version, Record<string, number>> & { difference: number | null };
  /** |code score − expert score| on the item's scale, over both versions' items. */
  vsExpert: { classifier: { meanAbsError: number | null; withinOne: number | null; n: number }; handCodes: { meanAbsError: number | null; withinOne: number | null; n: number } };
}

function scoreVersion(rubric: Rubric, unitCodes: Record<string, string>, units: ReturnType<typeof scriptUnits>['units']): CodedVersion {
  const book = rubric.coding!;
  const scores: Record<string, number> = {};
  const normalised: number[] = [];
  for (const item of rubricItems(rubric)) {
    const s = codeScore(item, unitCodes);
    if (!s) continue;
    scores[item.id] = s.score;
    normalised.push(normalise(s.score, item.scale.min, item.scale.max));
  }
  const counts = countCodes(book, Object.entries(unitCodes).map(([unitId, code]) => ({ unitId, code })));
  return { scores, mean: mean(normalised), practice: practicePoints(book, computeIndicators(book, counts), units, unitCodes).map((p) => p.indicatorId) };
}

function vsExpert(got: Record<Version, CodedVersion>, expected: Record<Version, Record<string, number>>) {
  const errors: number[] = [];
  for (const v of ['good', 'poor'] as const) {
    for (const [id, s] of Object.entries(got[v].scores)) if (expected[v][id] !== undefined) errors.push(Math.abs(s - expected[v][id]!));
  }
  return { meanAbsError: mean(errors), withinOne: errors.length ? round4(errors.filter((e) => e <= 1).length / errors.length) : null, n: errors.length };
}

export async function codeContrast(pairs: readonly ContrastPair[], rubrics: Readonly<Record<CodeSetField, Rubric>>, expectedOf: (p: ContrastPair) => ExpectedScore[], coder: UnitCoder): Promise<CodeContrastEntry[]> {
  const out: CodeContrastEntry[] = [];
  for (const p of pairs) {
    const expectedRows = expectedOf(p);
    for (const [field, rubric] of Object.entries(rubrics) as [CodeSetField, Rubric][]) {
      if (!rubric.coding) continue;
      const items = rubricItems(rubric).filter((i) => i.codeGuide).map((i) => i.id);
      const byClassifier = {} as Record<Version, CodedVersion>;
      const byHand = {} as Record<Version, CodedVersion>;
      const expected = { good: {}, poor: {} } as Record<Version, Record<string, number>>;
      for (const v of ['good', 'poor'] as const) {
        const { units, codes } = scriptUnits(p.scripts[v]);
        const r = await coder.code({ units, book: rubric.coding });
        const answer = r.outcome.ok ? r.outcome.answer : {};
        const clinician = units.filter((u) => u.channel === 0).map((u) => u.id);
        byClassifier[v] = scoreVersion(rubric, Object.fromEntries(clinician.filter((id) => answer[id]).map((id) => [id, answer[id]!])), units);
        byHand[v] = scoreVersion(rubric, Object.fromEntries([...codes].map(([id, c]) => [id, c[field]])), units);
        for (const row of expectedRows) if (row.rubricId === rubric.id && items.includes(row.itemId)) expected[v][row.itemId] = row[v];
      }
      let favourGood = 0;
      let favourPoor = 0;
      let ties = 0;
      for (const id of items) {
        const g = byClassifier.good.scores[id];
        const q = byClassifier.poor.scores[id];
        if (g === undefined || q === undefined) continue;
        if (g > q) favourGood++;
        else if (g < q) favourPoor++;
        else ties++;
      }
      const diff = (a: number | null, b: number | null) => (a !== null && b !== null ? round4(a - b) : null);
      const scale = new Map(rubricItems(rubric).map((i) => [i.id, i.scale]));
      const expMean = (v: Version) => mean(Object.entries(expected[v]).map(([id, s]) => normalise(s, scale.get(id)!.min, scale.get(id)!.max)));
      out.push({
        scenario: p.scenario,
        rubricId: rubric.id,
        items,
        classifier: { ...byClassifier, difference: diff(byClassifier.good.mean, byClassifier.poor.mean), favourGood, favourPoor, ties },
        handCodes: { ...byHand, difference: diff(byHand.good.mean, byHand.poor.mean) },
        expected: { ...expected, difference: diff(expMean('good'), expMean('poor')) },
        vsExpert: { classifier: vsExpert(byClassifier, expected), handCodes: vsExpert(byHand, expected) },
      });
    }
  }
  return out;
}
