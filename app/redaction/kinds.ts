/** What a redacted span is. DATE covers dates of birth and any other calendar date with a day or a year. */
export const KINDS = ['PERSON', 'PHONE', 'EMAIL', 'DATE', 'ADDRESS', 'ID'] as const;
export type Kind = (typeof KINDS)[number];

export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value);
}

/** A found identifier: [start, end) in UTF-16 code units, and the key that makes equal values share a placeholder. */
export interface DetectedSpan {
  start: number;
  end: number;
  kind: Kind;
  key: string;
}

export function zeroCounts(): Record<Kind, number> {
  return { PERSON: 0, PHONE: 0, EMAIL: 0, DATE: 0, ADDRESS: 0, ID: 0 };
}

/** Matches placeholders this library writes, e.g. `[PERSON_1]`. */
export const PLACEHOLDER_RE = /\[(PERSON|PHONE|EMAIL|DATE|ADDRESS|ID)_(\d+)\]/g;
