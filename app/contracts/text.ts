import { z } from 'zod';

/**
 * Strings that cannot be stored as given are refused at the boundary with one stable code,
 * `request.invalid_text` (400), before anything is written: PostgreSQL text and jsonb cannot hold
 * NUL (the insert fails halfway through a use-case), and an unpaired UTF-16 surrogate is not
 * Unicode (it would be silently replaced by U+FFFD on the way to UTF-8). Single-line fields (names,
 * titles, labels, codes) refuse every control character too.
 *
 * Two layers use the same checks: the zod schemas of the contracts (`lineText`, `anyText`), and a
 * body check that walks every incoming JSON body (keys and values) for NUL and lone surrogates, so
 * a route whose schema forgot it is still covered.
 */
export const INVALID_TEXT_CODE = 'request.invalid_text';

export type TextKind = 'line' | 'multiline' | 'any';

/** C0 and C1 controls and DEL; the Unicode line and paragraph separators count as line breaks. */
const isControl = (c: number) => c < 0x20 || (c >= 0x7f && c <= 0x9f);
const isLineBreakOrTab = (c: number) => c === 0x09 || c === 0x0a || c === 0x0d;

/** Why `s` cannot be accepted as text of this kind, or null. `any`: only NUL and lone surrogates. */
export function textProblem(s: string, kind: TextKind): string | null {
  let control = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return 'contains a NUL character (U+0000)';
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return 'contains an unpaired UTF-16 surrogate, which is not valid Unicode';
    }
    if (c >= 0xdc00 && c <= 0xdfff) return 'contains an unpaired UTF-16 surrogate, which is not valid Unicode';
    if (kind === 'line' && (isControl(c) || c === 0x2028 || c === 0x2029)) control = true;
    if (kind === 'multiline' && isControl(c) && !isLineBreakOrTab(c)) control = true;
  }
  if (control) return kind === 'line' ? 'contains a control character or line break, which a single-line field does not allow' : 'contains a control character (only tab and line breaks are allowed)';
  return null;
}

/**
 * The same rules as a JSON Schema `pattern`, for the OpenAPI document (so a client or a fuzzer
 * knows them): code units outside the refused ranges, or a surrogate pair. Written for regex
 * engines that see UTF-16 code units (ECMA-262 without /u) and for those that see code points
 * (a pair is then one code point outside the surrogate range); text.test.ts checks it agrees
 * with textProblem.
 */
const PAIR = '[\\ud800-\\udbff][\\udc00-\\udfff]';
export const TEXT_PATTERNS: Readonly<Record<TextKind, string>> = {
  line: `^(?:[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\ud800-\\udfff]|${PAIR})*$`,
  multiline: `^(?:[\\t\\n\\r]|[^\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff]|${PAIR})*$`,
  any: `^(?:[^\\u0000\\ud800-\\udfff]|${PAIR})*$`,
};

function text(kind: TextKind) {
  return z
    .string()
    .superRefine((s, ctx) => {
      const why = textProblem(s, kind);
      if (why) ctx.addIssue({ code: 'custom', message: why, params: { code: INVALID_TEXT_CODE } });
    })
    .meta({ pattern: TEXT_PATTERNS[kind] });
}

/** A single-line string (name, title, label, code): chain `.trim().min(1).max(n)` as usual. */
export const lineText = () => text('line');
/** Free text that may hold tabs and line breaks. */
export const multilineText = () => text('multiline');
/** Any string that can be stored: only NUL and lone surrogates are refused (opaque values, e.g. tokens). */
export const anyText = () => text('any');

/** True when a zod issue is one of ours, so the error becomes `request.invalid_text`. */
export function isInvalidTextIssue(issue: { code: string; params?: unknown }): boolean {
  return issue.code === 'custom' && (issue.params as { code?: unknown } | undefined)?.code === INVALID_TEXT_CODE;
}

/**
 * The first key or string value in a parsed JSON value that holds NUL or a lone surrogate, with
 * its path; null when there is none. Iterative, so a deeply nested body cannot exhaust the stack.
 */
export function findInvalidText(value: unknown): { path: string; problem: string } | null {
  const stack: Array<{ v: unknown; path: string }> = [{ v: value, path: '' }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(v, 'any');
      if (problem) return { path: path || '(body)', problem };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: `${path}[${i}]` });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const keyProblem = textProblem(k, 'any');
        const at = path ? `${path}.${k}` : k;
        if (keyProblem) return { path: `${path || '(body)'} key ${JSON.stringify(k)}`, problem: keyProblem };
        stack.push({ v: child, path: at });
      }
    }
  }
  return null;
}
