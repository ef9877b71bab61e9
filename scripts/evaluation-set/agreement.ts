/**
 * Agreement of a coder with the labels: Cohen's κ, per-code precision / recall / support, and κ
 * for questions (the codes collapsed to open question / closed question / not a question).
 */

/** Cohen's κ of two codings of the same items, codes as indices 0..classes-1. 1 when both agree on a single code. */
export function cohenKappa(a: readonly number[], b: readonly number[], classes: number): number {
  const n = a.length;
  if (n === 0 || n !== b.length) throw new Error(`cohenKappa: ${a.length} and ${b.length} codes`);
  const pa = new Array<number>(classes).fill(0);
  const pb = new Array<number>(classes).fill(0);
  let agree = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) agree++;
    pa[a[i]!]!++;
    pb[b[i]!]!++;
  }
  const po = agree / n;
  let pe = 0;
  for (let k = 0; k < classes; k++) pe += (pa[k]! / n) * (pb[k]! / n);
  return pe === 1 ? 1 : (po - pe) / (1 - pe);
}

export interface CodeAgreement {
  code: string;
  /** Labelled with this code. */
  support: number;
  /** Coded with this code by the coder. */
  predicted: number;
  truePositives: number;
  /** null when the coder never gave the code. */
  precision: number | null;
  /** null when no item carries the code. */
  recall: number | null;
}

export interface Agreement {
  items: number;
  accuracy: number;
  kappa: number;
  perCode: CodeAgreement[];
  /** Rows: label, columns: coder's code, in code order (last column: not coded). */
  confusion: { codes: string[]; rows: number[][] };
}

export const UNCODED = '(uncoded)';

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * Agreement over items whose labels are `truth`; `coded[i]` is the coder's code or null when it
 * gave none (counted as a disagreement, and as a code of its own for κ).
 */
export function agreement(codes: readonly string[], truth: readonly string[], coded: readonly (string | null)[]): Agreement {
  const all = [...codes, UNCODED];
  const index = (c: string | null) => {
    const i = c === null ? codes.length : codes.indexOf(c);
    return i < 0 ? codes.length : i;
  };
  const a = truth.map(index);
  const b = coded.map(index);
  const rows = all.map(() => new Array<number>(all.length).fill(0));
  a.forEach((t, i) => rows[t]![b[i]!]!++);
  const perCode = codes.map((code, k) => {
    const support = rows[k]!.reduce((s, x) => s + x, 0);
    const predicted = rows.reduce((s, r) => s + r[k]!, 0);
    const tp = rows[k]![k]!;
    return { code, support, predicted, truePositives: tp, precision: predicted ? round4(tp / predicted) : null, recall: support ? round4(tp / support) : null };
  });
  const hits = a.filter((t, i) => t === b[i]).length;
  return { items: a.length, accuracy: round4(hits / a.length), kappa: round4(cohenKappa(a, b, all.length)), perCode, confusion: { codes: all, rows } };
}

export const QUESTION_CLASSES = ['open_question', 'closed_question', 'not_a_question'] as const;

/**
 * The question view of a code: open_question and closed_question stay, every other code (and no
 * code) is not_a_question. Both code books name their question codes open_question / closed_question.
 */
export const questionClass = (code: string | null): (typeof QUESTION_CLASSES)[number] => (code === 'open_question' || code === 'closed_question' ? code : 'not_a_question');

export const QUESTION_KAPPA_DEFINITION =
  "Cohen's kappa over three classes: open_question, closed_question and not_a_question (every other code of the code book, and a unit the coder left uncoded). A code book's own question codes only: in Motivational Interviewing a question that seeks collaboration or emphasises autonomy is coded as that, so it counts as not_a_question there.";

export function questionAgreement(truth: readonly string[], coded: readonly (string | null)[]): Agreement {
  return agreement([...QUESTION_CLASSES], truth.map(questionClass), coded.map(questionClass));
}
