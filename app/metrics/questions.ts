/**
 * Question detection and open/closed classification from transcript text.
 *
 * A sentence is a question when it ends with "?", or — since speech recognition does not always
 * punctuate — when it opens (after discourse fillers such as "so", "okay", "and") with an
 * auxiliary followed by a subject ("do you", "is it", "could you"), a wh-word followed by an
 * auxiliary or subject ("what brings", "how are"), or an invitation to talk ("tell me",
 * "describe", "walk me through").
 *
 * Open questions invite the other person to answer in their own words: they open with what / how /
 * why, with an invitation ("tell me…", "describe…", "explain…"), or with a polite frame around one
 * ("could you tell me…", "I'm wondering how…"). Questions that ask for a specific fact are closed
 * even when they open with a wh-word: "how many / much / long / often / old / far", "what time /
 * day / date / year", and who / where / when / which. Every other question (yes/no, either/or, tag
 * and declarative questions) is closed. This follows the usual coding convention in
 * communication-skills research, approximated from text alone.
 */
export type QuestionKind = 'open' | 'closed';

const FILLERS = new Set(['so', 'and', 'but', 'okay', 'ok', 'well', 'um', 'uh', 'er', 'erm', 'now', 'right', 'alright', 'then', 'oh', 'yeah', 'yes', 'no', 'mm', 'hmm', 'great', 'good', 'sure']);
const WH = new Set(['what', 'how', 'why', 'when', 'where', 'who', 'whom', 'whose', 'which']);
const AUX = new Set([
  'do', 'does', 'did', 'is', 'are', 'was', 'were', 'am', 'can', 'could', 'will', 'would', 'shall', 'should', 'may', 'might', 'must',
  'have', 'has', 'had', "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "can't", "couldn't", "won't", "wouldn't",
  "haven't", "hasn't", "hadn't", "shouldn't",
]);
const SUBJECTS = new Set(['i', 'you', 'he', 'she', 'it', 'we', 'they', 'there', 'that', 'this', 'anyone', 'anything', 'someone', 'somebody', 'your', 'my', 'the', 'any']);
const INVITATIONS = [/^tell me\b/, /^describe\b/, /^explain\b/, /^(walk|talk|take) me through\b/, /^say (a bit |a little )?more\b/, /^help me understand\b/];
const POLITE_INVITATION = /^(could|can|would|will) you (please )?(tell|describe|explain|say more|talk|walk|share|help me understand)\b/;
const WONDERING = /^(i'm|i am|i was|i) (just )?wonder(ing)? (what|how|why|if you could tell)\b/;
const FACT_WH = /^(how (many|much|long|often|old|far|soon)|what (time|day|date|year|age|dose|number))\b/;
const WH_VERBS = new Set(['brings', 'brought', 'happened', 'happens', 'makes', 'made', 'worries', 'concerns', 'else', 'about', 'kind', 'sort', 'matters', 'helps', 'helped', 'changed']);
const OPEN_WH = new Set(['what', 'how', 'why']);

/** Splits text into sentences at ".", "!", "?" (keeping the mark), so each can be classified. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/[^.!?]+[.!?]*/g)) {
    const s = m[0].trim();
    if (/[\p{L}\p{N}]/u.test(s)) out.push(s);
  }
  return out;
}

function words(sentence: string): string[] {
  const tokens = sentence
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 0);
  let i = 0;
  while (i < tokens.length - 1 && FILLERS.has(tokens[i]!)) i++;
  return tokens.slice(i);
}

/**
 * 'open', 'closed', or null when the sentence is not a question. A question asked at the end of a
 * sentence whose opening words do not ask ("Last time you mentioned walking, how has that gone?")
 * is judged by its own clause, the one after the last comma or semicolon, when that clause is a
 * question by its words alone.
 */
export function classifyQuestion(sentence: string): QuestionKind | null {
  const whole = classifyWords(sentence, true);
  const clauses = sentence.split(/[,;]/);
  // Only when the opening words do not ask: "What's made the difference, do you think?" and
  // "What, if anything, would you change?" stay open.
  const opensWithWh = WH.has((words(sentence)[0] ?? '').replace(/'(s|re)$/, ''));
  if (whole && !opensWithWh && !classifyWords(sentence, false) && clauses.length > 1) return classifyWords(clauses[clauses.length - 1]!, false) ?? whole;
  return whole;
}

function classifyWords(sentence: string, byPunctuation: boolean): QuestionKind | null {
  const w = words(sentence);
  if (w.length === 0) return null;
  const head = w.join(' ');
  // "what's", "how's", "who're" open a question as their full forms do.
  const first = w[0]!.replace(/'(s|re)$/, '');
  const contracted = first !== w[0];
  const second = w[1] ?? '';

  const invitation = INVITATIONS.some((r) => r.test(head)) || POLITE_INVITATION.test(head) || WONDERING.test(head);
  // Not wh + subject: "when I was young…" is a statement.
  const whQuestion = WH.has(first) && (contracted || AUX.has(second) || WH_VERBS.has(second));
  const auxQuestion = AUX.has(first) && SUBJECTS.has(second);
  const isQuestion = (byPunctuation && sentence.trim().endsWith('?')) || invitation || whQuestion || auxQuestion;
  if (!isQuestion) return null;

  if (invitation) return 'open';
  if (OPEN_WH.has(first) && !FACT_WH.test(head)) return 'open';
  return 'closed';
}

export interface QuestionCounts {
  open: number;
  closed: number;
  total: number;
}

/** Counts questions over any number of texts (e.g. all segments of one speaker). */
export function countQuestions(texts: Iterable<string>): QuestionCounts {
  const counts = { open: 0, closed: 0, total: 0 };
  for (const text of texts) {
    for (const s of splitSentences(text)) {
      const kind = classifyQuestion(s);
      if (kind === null) continue;
      counts[kind]++;
      counts.total++;
    }
  }
  return counts;
}
