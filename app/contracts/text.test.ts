import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { findInvalidText, isInvalidTextIssue, lineText, multilineText, textProblem, TEXT_PATTERNS } from './text';

describe('text that can be stored', () => {
  it('refuses NUL and unpaired surrogates in every kind of text, and accepts paired surrogates', () => {
    for (const kind of ['line', 'multiline', 'any'] as const) {
      expect(textProblem('a\u0000b', kind)).toMatch(/NUL/);
      expect(textProblem('a\uD800', kind)).toMatch(/surrogate/);
      expect(textProblem('\uDC00a', kind)).toMatch(/surrogate/);
      expect(textProblem('\uDC00\uD800', kind)).toMatch(/surrogate/);
      expect(textProblem('ok 🩺 ñ 日本', kind)).toBeNull();
    }
  });

  it('refuses control characters and line breaks in single-line text, and only controls other than tab and line breaks in multi-line text', () => {
    for (const c of ['\n', '\r', '\t', '\u0007', '\u001b', '\u007f', '\u0085', '\u2028']) expect(textProblem(`a${c}b`, 'line'), JSON.stringify(c)).toMatch(/control/);
    for (const c of ['\n', '\r\n', '\t']) expect(textProblem(`a${c}b`, 'multiline')).toBeNull();
    for (const c of ['\u0007', '\u001b', '\u007f']) expect(textProblem(`a${c}b`, 'multiline')).toMatch(/control/);
    expect(textProblem('a\u0007\nb', 'any')).toBeNull();
  });

  it('marks its zod issues so a boundary can answer request.invalid_text, and keeps chaining', () => {
    const title = lineText().trim().min(1).max(5);
    const r = z.object({ title }).safeParse({ title: 'x\u0000' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.filter(isInvalidTextIssue).map((i) => i.path)).toEqual([['title']]);
    expect(title.parse('  ab ')).toBe('ab');
    expect(title.safeParse('toolong').error!.issues.some(isInvalidTextIssue)).toBe(false);
    expect(multilineText().parse('one\ntwo')).toBe('one\ntwo');
  });

  it('finds NUL or a lone surrogate in any key or value of a JSON value, with its path, even very deep', () => {
    expect(findInvalidText({ a: [1, { b: 'fine' }], c: null })).toBeNull();
    expect(findInvalidText({ a: [1, { b: 'x\u0000' }] })).toEqual({ path: 'a[1].b', problem: expect.stringMatching(/NUL/) });
    expect(findInvalidText({ ['k\uD800']: 1 })?.path).toMatch(/key/);
    expect(findInvalidText('\u0000')?.path).toBe('(body)');
    let deep: unknown = '\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findInvalidText(deep)?.problem).toMatch(/NUL/);
  });
});

describe('TEXT_PATTERNS (the rules as OpenAPI patterns)', () => {
  const samples = ['', 'Dr. Müller', 'emoji 😀 ok', 'tab\there', 'line\nbreak', 'cr\r', 'nul\u0000', 'bell\u0007', 'del\u007f', 'c1\u0085', 'sep\u2028', 'lone \ud83d high', 'lone \ude00 low', 'reversed \ude00\ud83d', '\u00e5\uda28\ude62['];
  for (const kind of ['line', 'multiline', 'any'] as const) {
    it(`agrees with textProblem for ${kind} text, with and without the u flag`, () => {
      for (const s of samples) {
        const ok = textProblem(s, kind) === null;
        expect({ s, kind, match: new RegExp(TEXT_PATTERNS[kind]).test(s) }).toEqual({ s, kind, match: ok });
        expect({ s, kind, match: new RegExp(TEXT_PATTERNS[kind], 'u').test(s) }).toEqual({ s, kind, match: ok });
      }
    });
  }
});
