import { describe, expect, it } from 'vitest';
import { contentRange, parseByteRange } from './byte-range';

describe('parseByteRange', () => {
  it('sends the whole file without a Range header', () => {
    expect(parseByteRange(undefined, 100)).toEqual({ kind: 'full' });
  });

  it('reads first-last, an open end and a suffix, clipping to the size', () => {
    expect(parseByteRange('bytes=0-9', 100)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(parseByteRange('bytes=90-', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseByteRange('bytes=90-500', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseByteRange('bytes=-10', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseByteRange('bytes=-1000', 100)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(parseByteRange('Bytes = 5 - 5', 100)).toEqual({ kind: 'partial', start: 5, end: 5 });
  });

  it('is unsatisfiable past the end, for a zero suffix and on an empty file', () => {
    expect(parseByteRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=100-200', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores what it does not serve: other units, several ranges, bad syntax, last before first', () => {
    for (const h of ['items=0-1', 'bytes=0-1,5-6', 'bytes=abc', 'bytes=-', 'bytes=9-3', 'bytes 0-1', `bytes=${'9'.repeat(30)}-`]) expect(parseByteRange(h, 100), h).toEqual({ kind: 'full' });
  });

  it('writes Content-Range for a slice and for a 416', () => {
    expect(contentRange({ start: 0, end: 9 }, 100)).toBe('bytes 0-9/100');
    expect(contentRange(null, 100)).toBe('bytes */100');
  });
});
