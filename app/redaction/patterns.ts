import type { DetectedSpan, Kind } from './kinds';

/*
 * Rules for everything except names. Each rule returns candidate spans; overlaps are resolved by
 * the caller (longest span first). The rules are written for spoken, transcribed English: numbers
 * come as digits, months as words, and doses, blood pressures, times and bare years must survive.
 */

const digits = (s: string) => s.replace(/\D/g, '');
const collapse = (s: string) => s.toLowerCase().replace(/[\s,]+/g, ' ').trim();

function span(kind: Kind, start: number, value: string, key: string): DetectedSpan {
  return { kind, start, end: start + value.length, key: `${kind}:${key}` };
}

// ---------- EMAIL ----------
const EMAIL_RE = /(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g;
// Dictated: "daniel dot okafor at gmail dot com".
const SPOKEN_EMAIL_RE = /\b[a-z0-9]+(?:\s{1,3}(?:dot|underscore)\s{1,3}[a-z0-9]+){0,4}\s{1,3}at\s{1,3}[a-z0-9-]+(?:\s{1,3}dot\s{1,3}[a-z0-9-]+){0,3}\s{1,3}dot\s{1,3}(?:com|org|net|edu|gov|co\s{1,3}dot\s{1,3}uk|co|uk|io|nhs\s{1,3}dot\s{1,3}uk|ie|ca|au)\b/gi;

function emails(text: string): DetectedSpan[] {
  const out: DetectedSpan[] = [];
  for (const m of text.matchAll(EMAIL_RE)) out.push(span('EMAIL', m.index, m[0], m[0].toLowerCase()));
  for (const m of text.matchAll(SPOKEN_EMAIL_RE)) {
    const key = m[0].toLowerCase().replace(/\s+dot\s+/g, '.').replace(/\s+underscore\s+/g, '_').replace(/\s+at\s+/, '@');
    out.push(span('EMAIL', m.index, m[0], key));
  }
  return out;
}

// ---------- ID ----------
const ID_CUE =
  '(?:MRN|M\\.R\\.N\\.|medical\\s+record\\s+(?:number|no\\.?|#)|hospital\\s+(?:number|no\\.?)|patient\\s+(?:ID|identifier|number|no\\.?)|record\\s+number|NHS\\s+(?:number|no\\.?)|NHS|social\\s+security\\s+(?:number|no\\.?)|SSN|national\\s+insurance\\s+(?:number|no\\.?)|NI\\s+number|insurance\\s+(?:ID|number)|member\\s+(?:ID|number)|policy\\s+(?:number|no\\.?)|account\\s+number|case\\s+number|reference(?:\\s+(?:number|no\\.?))?|passport\\s+number|licen[cs]e\\s+number|health\\s+card\\s+number|ID\\s+number|ID)(?![A-Za-z])';
// Cue, then up to a few filler words ("is", "number", ":"), then the value: a run of digits and
// capitals of which at least five are digits.
const CUED_ID_RE = new RegExp(
  `\\b${ID_CUE}(?:\\s{0,3}[:#]|\\s{1,3}(?:is|was|it's|number|no\\.?|of|reads|ends\\s{1,3}in)){0,4}\\s{0,3}[:#]?\\s{0,3}((?:[A-Z]{1,3}[\\s-]?)?\\d[\\d\\s-]{3,14}\\d(?:\\s?[A-Z])?|[A-Z]{2}\\s?\\d{2}\\s?\\d{2}\\s?\\d{2}\\s?[A-D])(?![\\w])`,
  'gi',
);
const SSN_RE = /(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])/g;
// UK National Insurance number, e.g. "QQ 12 34 56 C".
const NINO_RE = /\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b/g;
// Generic record identifiers like "XK123456" or "AB-1234567" that need no cue.
const ALNUM_ID_RE = /\b[A-Z]{1,3}-?\d{6,10}\b/g;
const NHS_SHAPE_RE = /(?<![\d-])\d{3}[ -]\d{3}[ -]\d{4}(?![\d-])/g;

/** NHS numbers carry a mod-11 check digit; a random 10-digit phone number passes it 1 time in 11. */
export function isValidNhsNumber(value: string): boolean {
  const d = digits(value);
  if (d.length !== 10) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(d[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(d[9]);
}

function ids(text: string): DetectedSpan[] {
  const out: DetectedSpan[] = [];
  for (const m of text.matchAll(CUED_ID_RE)) {
    const value = (m[1] ?? '').replace(/[\s-]+$/, '');
    if (digits(value).length < 5) continue;
    const start = m.index + m[0].length - (m[1] ?? '').length;
    out.push(span('ID', start, value, value.toUpperCase().replace(/[\s-]/g, '')));
  }
  for (const re of [SSN_RE, NINO_RE, ALNUM_ID_RE]) {
    for (const m of text.matchAll(re)) out.push(span('ID', m.index, m[0], m[0].toUpperCase().replace(/[\s-]/g, '')));
  }
  for (const m of text.matchAll(NHS_SHAPE_RE)) {
    // Spaced 3-3-4 is how NHS numbers are written; a valid check digit without parentheses or a
    // leading 0 (UK phone numbers start with 0) decides it is one.
    if (m[0].startsWith('0') || !isValidNhsNumber(m[0])) continue;
    out.push(span('ID', m.index, m[0], digits(m[0])));
  }
  return out;
}

// ---------- PHONE ----------
const PHONE_RES = [
  // International: +44 7700 900123, +44 (0)20 7946 0958, +1 (555) 123-4567, +33 1 23 45 67 89.
  /(?<![\w+])\+\d{1,3}(?:[\s.-]?\(0\))?(?:[\s.-]?\(?\d{1,5}\)?){1,6}(?!\w)/g,
  // 00-prefixed international: 0044 20 7946 0958.
  /(?<!\w)00\d{1,3}(?:[\s.-]?\d{1,5}){2,6}(?!\w)/g,
  // North American: (555) 123-4567, 555-123-4567, 555.123.4567, 1-800-555-0199, 555 123 4567.
  /(?<![\w-])(?:1[\s.-])?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w-])/g,
  // UK national: 07700 900123, 020 7946 0958, 0161 496 0000, (020) 7946 0958, 07700900123.
  /(?<![\w-])(?:\(0\d{2,4}\)|0\d{2,4})(?:[\s-]?\d{3,4}){1,2}(?:[\s-]?\d{2,4})?(?![\w-])/g,
];

function phones(text: string): DetectedSpan[] {
  const out: DetectedSpan[] = [];
  for (const re of PHONE_RES) {
    for (const m of text.matchAll(re)) {
      const value = m[0].replace(/[\s.-]+$/, '');
      const n = digits(value).length;
      if (n < 9 || n > 15) continue;
      out.push(span('PHONE', m.index, value, digits(value)));
    }
  }
  return out;
}

// ---------- DATE ----------
// Capitalised only: "may" and "march" are also a modal and a verb.
const MONTH =
  '(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\\.?';
const DAY = '(?:[12]\\d|3[01]|0?[1-9])(?:st|nd|rd|th)?';
const YEAR = "(?:(?:19|20)\\d{2}|'\\d{2})";
const DATE_RES = [
  // 3 March 1961, 3rd of March, 3rd March, the 3rd of March 1961
  new RegExp(`\\b${DAY}(?:\\s+of)?\\s+${MONTH}(?:,?\\s+${YEAR})?(?![\\w'])`, 'g'),
  // March 3rd, 1961 / March 3 / March the 3rd
  new RegExp(`\\b${MONTH}\\s+(?:the\\s+)?${DAY}(?:,?\\s+${YEAR})?(?![\\w':])`, 'g'),
  // March 1961 (a month with a year identifies more than the year alone)
  new RegExp(`\\b${MONTH},?\\s+(?:of\\s+)?${YEAR}(?![\\w'])`, 'g'),
  // 03/03/1961, 3-3-61, 1961-03-03, 03.03.1961
  /(?<![\w/.-])(?:\d{1,2}[/-]\d{1,2}[/-](?:\d{4}|\d{2})|\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{2}-\d{2})(?![\w/-]|\.\d)/g,
];

function plausibleNumericDate(value: string): boolean {
  const parts = value.split(/[/.-]/).map(Number);
  if (parts.length !== 3) return false;
  const [a, b, c] = parts as [number, number, number];
  if (value.match(/^\d{4}/)) return b >= 1 && b <= 12 && c >= 1 && c <= 31;
  // Either d/m or m/d: both numbers must be a day and one of them a month.
  return a >= 1 && b >= 1 && a <= 31 && b <= 31 && (a <= 12 || b <= 12);
}

function dates(text: string): DetectedSpan[] {
  const out: DetectedSpan[] = [];
  DATE_RES.forEach((re, i) => {
    for (const m of text.matchAll(re)) {
      if (i === 3 && !plausibleNumericDate(m[0])) continue;
      out.push(span('DATE', m.index, m[0], collapse(m[0])));
    }
  });
  return out;
}

// ---------- ADDRESS ----------
const STREET_SUFFIX =
  '(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Way|Court|Ct|Place|Pl|Boulevard|Blvd|Crescent|Cres|Terrace|Gardens|Grove|Square|Sq|Highway|Hwy|Parkway|Pkwy|Circle|Cir|Row|Hill|Mews|Walk|Parade|Rise|View|Green)\\.?';
const DIRECTION = '(?:N|S|E|W|North|South|East|West)\\.?';
const UNIT = '(?:Apt|Apartment|Unit|Suite|Ste|Flat|Room|#)\\.?\\s*#?[A-Za-z]?\\d+[A-Za-z]?';
const UK_POSTCODE = '[A-Z]{1,2}\\d[A-Z\\d]?\\s?\\d[A-Z]{2}';
const US_STATE_ZIP = '[A-Z]{2}\\s+\\d{5}(?:-\\d{4})?';
const PLACE = "[A-Z][a-z]+(?:[\\s-][A-Z][a-z]+){0,2}";
const ADDRESS_RE = new RegExp(
  `(?:\\b${UNIT},?\\s+)?\\b\\d{1,5}[A-Za-z]?,?\\s+(?:${DIRECTION}\\s+)?(?:[A-Z][a-z']+\\s+){1,3}${STREET_SUFFIX}(?![\\w])(?:\\s+(?:NW|NE|SW|SE)\\b)?` +
    `(?:,?\\s+${UNIT})?` +
    `(?:,\\s+${PLACE}(?![\\w])){0,2}` +
    `(?:,?\\s+(?:${US_STATE_ZIP}|${UK_POSTCODE})\\b)?`,
  'g',
);
const CUED_POSTCODE_RE = new RegExp(`\\b(?:post\\s?code|zip(?:\\s+code)?)(?:\\s+is|:)?\\s+(${UK_POSTCODE}|\\d{5}(?:-\\d{4})?)\\b`, 'gi');
const LONE_UK_POSTCODE_RE = new RegExp(`\\b${UK_POSTCODE}\\b`, 'g');

function addresses(text: string): DetectedSpan[] {
  const out: DetectedSpan[] = [];
  for (const m of text.matchAll(ADDRESS_RE)) out.push(span('ADDRESS', m.index, m[0], collapse(m[0])));
  for (const m of text.matchAll(CUED_POSTCODE_RE)) {
    const value = m[1] ?? '';
    out.push(span('ADDRESS', m.index + m[0].length - value.length, value, collapse(value)));
  }
  for (const m of text.matchAll(LONE_UK_POSTCODE_RE)) {
    // A postcode-shaped token needs an uppercase outward code with a digit: "SW1A 1AA", "M1 1AE".
    if (!/\s/.test(m[0]) && m[0].length < 6) continue;
    out.push(span('ADDRESS', m.index, m[0], collapse(m[0])));
  }
  return out;
}

/** Every non-name candidate, overlapping ones included. */
export function findPatterns(text: string): DetectedSpan[] {
  return [...emails(text), ...ids(text), ...phones(text), ...dates(text), ...addresses(text)];
}
