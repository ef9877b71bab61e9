import type { DetectedSpan } from './kinds';
import { nicknamesOf } from './nicknames';

/**
 * Name parts that are also ordinary English words. Matched only when capitalised, so a participant
 * called "Will Grace" does not turn "I will" or "grace period" into placeholders.
 */
const COMMON_WORDS = new Set([
  'will', 'may', 'grace', 'hope', 'faith', 'joy', 'rose', 'mark', 'bill', 'art', 'pat', 'sue', 'dawn',
  'june', 'april', 'august', 'summer', 'rich', 'frank', 'sandy', 'amber', 'ruby', 'iris', 'holly',
  'ivy', 'lily', 'daisy', 'olive', 'jack', 'drew', 'chase', 'hunter', 'page', 'king', 'young',
  'brown', 'white', 'green', 'black', 'gray', 'grey', 'long', 'little', 'small', 'cook', 'baker',
  'bell', 'hall', 'wood', 'hill', 'stone', 'rock', 'field', 'north', 'south', 'west', 'lane', 'reed',
  'read', 'nick', 'rob', 'sky', 'penny', 'max', 'ray', 'guy', 'don', 'gene', 'miles', 'chip', 'bud',
  'carol', 'crystal', 'pearl', 'river', 'sterling', 'price', 'love', 'fox', 'wolf', 'best', 'moss',
  'rush', 'patience', 'honor', 'honour', 'sunny', 'autumn', 'winter', 'dale', 'glen', 'heather',
  'victor', 'ash', 'sage', 'bishop', 'shepherd', 'mason', 'carter', 'taylor', 'turner', 'walker',
]);

const TITLES = /^(dr|doctor|mr|mrs|ms|miss|mx|prof|professor|nurse|sister|sir|dame|rev|mister)\.?$/i;

export interface NamedPerson {
  /** The full name as given; its lowercase form is the key shared by all of its forms. */
  name: string;
}

interface NameForm {
  text: string;
  key: string;
  caseSensitive: boolean;
}

function formsOf(person: NamedPerson): NameForm[] {
  const full = person.name.trim().replace(/\s+/g, ' ');
  if (!full) return [];
  const key = `PERSON:${full.toLowerCase()}`;
  const parts = full.split(' ').filter((p) => !TITLES.test(p) && p.replace(/\./g, '').length >= 2);
  const forms: NameForm[] = [{ text: full, key, caseSensitive: false }];
  const bare = parts.join(' ');
  if (bare && bare !== full) forms.push({ text: bare, key, caseSensitive: false });
  // Hyphenated surnames are also said by halves ("Smith-Jones" → "Smith").
  const tokens = parts.flatMap((p) => (p.includes('-') ? [p, ...p.split('-')] : [p]));
  for (const t of tokens) {
    if (t.length < 2) continue;
    forms.push({ text: t, key, caseSensitive: COMMON_WORDS.has(t.toLowerCase()) });
  }
  // Short forms of the first name: always case-sensitive, they are weaker evidence than the name.
  const first = parts[0];
  if (first && parts.length > 1) {
    const rest = parts.slice(1).join(' ');
    for (const n of nicknamesOf(first)) {
      const short = n[0]!.toUpperCase() + n.slice(1);
      forms.push({ text: short, key, caseSensitive: true }, { text: `${short} ${rest}`, key, caseSensitive: false });
    }
  }
  return forms;
}

function escape(s: string): string {
  // Transcripts drop or vary apostrophes: "O'Brien", "O’Brien" and "OBrien" are one name.
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+').replace(/['’]/g, "['’]?");
}

/**
 * Every mention of the given people: full name, any single part, with or without a title (the
 * title stays outside the span) and before a possessive "'s" (also outside). All forms of one
 * person share one key, so "Daniel", "Okafor" and "Dr. Daniel Okafor" get one placeholder.
 */
export function findPeople(text: string, people: readonly NamedPerson[]): DetectedSpan[] {
  const spans: DetectedSpan[] = [];
  const taken = new Uint8Array(text.length);
  for (const { form, re } of compiledForms(people)) {
    for (const m of text.matchAll(re)) {
      const start = m.index;
      const end = start + m[0].length;
      if (form.caseSensitive && !/^\p{Lu}/u.test(m[0])) continue;
      let free = true;
      for (let i = start; i < end; i++) if (taken[i]) free = false;
      if (!free) continue;
      taken.fill(1, start, end);
      spans.push({ start, end, kind: 'PERSON', key: form.key });
    }
  }
  return spans;
}

interface CompiledForm {
  form: NameForm;
  re: RegExp;
}

/**
 * The same session's names are redacted in every call of an evaluation: compile each list once
 * (matchAll copies the RegExp, so a shared one is safe). Bounded so a long-running gateway
 * does not keep every session it ever saw.
 */
const compiledCache = new Map<string, CompiledForm[]>();
const CACHE_LIMIT = 256;

function compiledForms(people: readonly NamedPerson[]): CompiledForm[] {
  const cacheKey = people.map((p) => p.name).join('\u0000');
  const hit = compiledCache.get(cacheKey);
  if (hit) return hit;
  const forms = people.flatMap(formsOf);
  // Longest first so the full name wins over its parts at the same position.
  forms.sort((a, b) => b.text.length - a.text.length);
  const compiled = forms.map((form) => ({ form, re: new RegExp(`(?<![\\p{L}\\p{N}_])(?<!\\p{L}-)${escape(form.text)}(?![\\p{L}\\p{N}_]|-\\p{L})`, form.caseSensitive ? 'gu' : 'giu') }));
  if (compiledCache.size >= CACHE_LIMIT) compiledCache.delete(compiledCache.keys().next().value!);
  compiledCache.set(cacheKey, compiled);
  return compiled;
}
