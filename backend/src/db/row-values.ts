/** Conversions from what node-postgres returns to the plain values the repositories hand out. */

export function iso(value: Date): string {
  return value.toISOString();
}

export function isoOrNull(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}

/** int8 columns arrive as strings (they may exceed 2^53); sizes and counts here never do. */
export function int(value: string | number): number {
  return typeof value === 'number' ? value : Number(value);
}

export function intOrNull(value: string | number | null): number | null {
  return value === null ? null : int(value);
}
