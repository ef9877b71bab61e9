/**
 * One HTTP byte range (RFC 9110 §14) against a representation of `size` bytes. `full`: send it
 * whole (no Range, or one this server ignores: another unit, several ranges, bad syntax);
 * `partial`: bytes start..end inclusive; `unsatisfiable`: a 416 with `Content-Range: bytes *\/size`.
 */
export type ByteRange = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const SPEC = /^\s*(\d*)\s*-\s*(\d*)\s*$/;

export function parseByteRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return { kind: 'full' };
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'full' };
  const specs = header.slice(eq + 1);
  if (specs.includes(',')) return { kind: 'full' };
  const m = SPEC.exec(specs);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (!Number.isSafeInteger(suffix)) return { kind: 'full' };
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? Infinity : Number(m[2]);
  if (!Number.isSafeInteger(start) || (m[2] !== '' && !Number.isSafeInteger(last)) || last < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(last, size - 1) };
}

/** The Content-Range value of a partial answer, or of a 416 (`range` null). */
export const contentRange = (range: { start: number; end: number } | null, size: number): string => (range ? `bytes ${range.start}-${range.end}/${size}` : `bytes */${size}`);
