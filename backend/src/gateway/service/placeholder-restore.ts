import type { Kind } from '../../../../app/redaction/kinds';
import { PLACEHOLDER_RE } from '../../../../app/redaction/kinds';
import { restore, type RedactionState } from '../../../../app/redaction/redaction';

/**
 * Restores placeholders of the allowed kinds in an answer. When the answer is a JSON document
 * (structured output), each original is inserted JSON-escaped, so a name with a quote or a
 * backslash cannot break the document; placeholders can only sit inside its string values.
 */
export function restoreAnswerText(text: string, state: RedactionState, kinds: readonly Kind[]): string {
  if (kinds.length === 0 || !text.includes('[')) return text;
  if (looksLikeJson(text)) {
    const allowed = new Set<string>(kinds);
    return text.replace(PLACEHOLDER_RE, (whole, kind: string) => {
      const original = allowed.has(kind) ? state.originals[whole] : undefined;
      return original === undefined ? whole : JSON.stringify(original).slice(1, -1);
    });
  }
  return restore(text, state, { kinds });
}

/** A JSON value may follow `[`; a placeholder's kind (`[PERSON_1] …`) may not. */
const ARRAY_START = /^\[\s*(?:[[{"\-\d\]]|true|false|null)/;

function looksLikeJson(text: string): boolean {
  const t = text.trimStart();
  if (t[0] !== '{' && t[0] !== '[') return false;
  // Prose that opens with a placeholder is common in redacted answers: skip the throwing parse.
  if (t[0] === '[' && !ARRAY_START.test(t)) return false;
  const end = text.trimEnd();
  if (end[end.length - 1] !== (t[0] === '{' ? '}' : ']')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The longest placeholder a tail may still grow into: `[ADDRESS_` + digits + `]`. */
const MAX_PLACEHOLDER = 24;
const PARTIAL_TAIL = /\[[A-Z]*(?:_\d*)?$/;

/**
 * Restores placeholders in streamed text, where one may be split across chunks ("[PER" + "SON_1]"):
 * a tail that could still become a placeholder is held back and prefixed to the next piece. JSON
 * escaping is used when the stream is structured output (`json`), decided by the request.
 */
export function createStreamRestorer(state: RedactionState, kinds: readonly Kind[], json: boolean) {
  let held = '';
  const allowed = new Set<string>(kinds);
  const put = (text: string) =>
    text.replace(PLACEHOLDER_RE, (whole, kind: string) => {
      const original = allowed.has(kind) ? state.originals[whole] : undefined;
      return original === undefined ? whole : json ? JSON.stringify(original).slice(1, -1) : original;
    });
  return {
    push(piece: string): string {
      if (kinds.length === 0) return piece;
      const text = held + piece;
      const m = PARTIAL_TAIL.exec(text);
      if (m && text.length - m.index <= MAX_PLACEHOLDER) {
        held = text.slice(m.index);
        return put(text.slice(0, m.index));
      }
      held = '';
      return put(text);
    },
    flush(): string {
      const rest = held;
      held = '';
      return put(rest);
    },
  };
}
