import { KINDS, PLACEHOLDER_RE, zeroCounts, type DetectedSpan, type Kind } from './kinds';
import { findPatterns } from './patterns';
import { findPeople } from './person-names';

export { KINDS, type Kind, type DetectedSpan } from './kinds';

export interface RedactionContext {
  /** The session's participants; every form of their names is redacted, case-insensitively. */
  participants: readonly { name: string; channel?: 0 | 1 }[];
  /** Other people's names known to the caller (family, referrers); redacted like participants'. */
  extraNames?: readonly string[];
}

/**
 * Placeholder ↔ original for one request (or one session). Plain JSON so it can be kept with the
 * request in the backend; it holds the identifiers and must never be sent to a provider or logged.
 */
export interface RedactionState {
  /** `${kind}:${normalised value}` → placeholder. */
  byKey: Record<string, string>;
  /** placeholder → the original text shown on restore (for people: the full name as given). */
  originals: Record<string, string>;
  /** Last number used per kind. */
  last: Record<Kind, number>;
}

export interface RedactionResult {
  text: string;
  state: RedactionState;
  /** Occurrences replaced in this call, per kind. */
  counts: Record<Kind, number>;
}

export function emptyRedactionState(): RedactionState {
  return { byKey: {}, originals: {}, last: zeroCounts() };
}

function cloneState(s: RedactionState): RedactionState {
  return { byKey: { ...s.byKey }, originals: { ...s.originals }, last: { ...zeroCounts(), ...s.last } };
}

// Equal-length overlaps go to the more specific kind: a cued NHS number beats a phone-shaped match.
const PRIORITY: Record<Kind, number> = { EMAIL: 0, ID: 1, PHONE: 2, DATE: 3, ADDRESS: 4, PERSON: 5 };

/** Non-overlapping spans, longest first, skipping placeholders already in the text. */
export function detect(text: string, ctx: RedactionContext): DetectedSpan[] {
  const people = [...ctx.participants.map((p) => ({ name: p.name })), ...(ctx.extraNames ?? []).map((name) => ({ name }))];
  const candidates = [...findPatterns(text), ...findPeople(text, people)];
  candidates.sort((a, b) => b.end - b.start - (a.end - a.start) || PRIORITY[a.kind] - PRIORITY[b.kind] || a.start - b.start);
  const taken = new Uint8Array(text.length);
  for (const m of text.matchAll(PLACEHOLDER_RE)) taken.fill(1, m.index, m.index + m[0].length);
  const chosen: DetectedSpan[] = [];
  for (const c of candidates) {
    if (c.end <= c.start) continue;
    let free = true;
    for (let i = c.start; i < c.end && free; i++) if (taken[i]) free = false;
    if (!free) continue;
    taken.fill(1, c.start, c.end);
    chosen.push(c);
  }
  return chosen.sort((a, b) => a.start - b.start);
}

/**
 * Replaces identifying spans by placeholders such as `[PERSON_1]`. Deterministic; pure (the given
 * state is not changed, the returned one extends it). The same value gets the same placeholder in
 * every call that passes the returned state on, e.g. the system prompt and the transcript of one
 * request. All forms of one person's name ("Daniel", "Dr. Okafor", "daniel okafor's") share one.
 */
export function redact(text: string, ctx: RedactionContext, state: RedactionState = emptyRedactionState()): RedactionResult {
  const next = cloneState(state);
  const counts = zeroCounts();
  const people = new Map<string, string>();
  for (const name of [...ctx.participants.map((p) => p.name), ...(ctx.extraNames ?? [])]) {
    const full = name.trim().replace(/\s+/g, ' ');
    if (full) people.set(`PERSON:${full.toLowerCase()}`, people.get(`PERSON:${full.toLowerCase()}`) ?? full);
  }
  let out = '';
  let at = 0;
  for (const s of detect(text, ctx)) {
    let placeholder = next.byKey[s.key];
    if (!placeholder) {
      next.last[s.kind] += 1;
      placeholder = `[${s.kind}_${next.last[s.kind]}]`;
      next.byKey[s.key] = placeholder;
      next.originals[placeholder] = s.kind === 'PERSON' ? (people.get(s.key) ?? text.slice(s.start, s.end)) : text.slice(s.start, s.end);
    }
    out += text.slice(at, s.start) + placeholder;
    at = s.end;
    counts[s.kind] += 1;
  }
  out += text.slice(at);
  return { text: out, state: next, counts };
}

/**
 * Puts originals back for the placeholders of the allowed kinds (all kinds when `kinds` is
 * omitted; `[]` restores nothing). Placeholders the state does not know stay as they are.
 */
export function restore(text: string, state: RedactionState, opts: { kinds?: readonly Kind[] } = {}): string {
  const allowed = new Set<Kind>(opts.kinds ?? KINDS);
  return text.replace(PLACEHOLDER_RE, (whole, kind: Kind) => {
    if (!allowed.has(kind)) return whole;
    return state.originals[whole] ?? whole;
  });
}
