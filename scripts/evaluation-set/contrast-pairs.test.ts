import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRubric } from '../../app/rubric/parse-rubric';
import { rubricItems } from '../../app/rubric/rubric';
import { resourcesDir } from '../../backend/src/paths';
import { ESPEAK_WORDS_PER_MINUTE } from '../sample-session/make-sample-session';
import { SessionScript } from '../sample-session/session-script';
import { CODE_SETS, loadCodebooks } from './coding-set';
import { checkScriptCodes, codeCounts, formatCodeCounts, loadContrastPairs, parseExpectedScores, VERSIONS, type ContrastPair } from './contrast-pairs';

const tiny = (lines: SessionScript['lines']): SessionScript =>
  SessionScript.parse({
    title: 'Tiny',
    participants: [
      { channel: 0, displayName: 'A', roleLabel: 'Clinician' },
      { channel: 1, displayName: 'B', roleLabel: 'Patient' },
    ],
    lines,
  });

describe('checkScriptCodes', () => {
  const books = { mi: ['open_question', 'other'], general: ['open_question', 'other'] };
  it('accepts one code entry per clinician sentence and none on patient lines', () => {
    const script = tiny([
      { channel: 0, text: 'Hello. How are you?', codes: [{ mi: 'other', general: 'other' }, { mi: 'open_question', general: 'open_question' }] },
      { channel: 1, text: 'Fine. Thanks.' },
    ]);
    expect(checkScriptCodes(script, books)).toEqual([]);
  });

  it('reports a clinician line without codes, a count that does not match its sentences, codes on a patient line and unknown codes', () => {
    const script = tiny([
      { channel: 0, text: 'Hello.' },
      { channel: 0, text: 'Hello. How are you?', codes: [{ mi: 'other', general: 'other' }] },
      { channel: 1, text: 'Fine.', codes: [{ mi: 'other', general: 'other' }] },
      { channel: 0, text: 'Right.', codes: [{ mi: 'summary', general: 'other' }] },
    ]);
    const problems = checkScriptCodes(script, books).join('\n');
    expect(problems).toMatch(/line 0 .*without codes/);
    expect(problems).toMatch(/line 1 .*2 sentences but 1 code entries/);
    expect(problems).toMatch(/line 2 .*patient line carries codes/);
    expect(problems).toMatch(/line 3 .*mi code "summary" is not in the motivational-interviewing codebook/);
  });
});

describe('parseExpectedScores', () => {
  it('reads the score rows of the table and skips the header and separator', () => {
    const md = ['| rubric | item | good | why | poor | why |', '|---|---|---|---|---|---|', '| mi | empathy | 5 | warm | 1 | cold |', 'text'].join('\n');
    expect(parseExpectedScores(md)).toEqual([{ rubricId: 'mi', itemId: 'empathy', good: 5, poor: 1 }]);
  });
});

/**
 * Seconds a script asks for, at espeak-ng's measured pace (it speaks 7–17 % faster than the nominal
 * rate: the pairs measured 0.83–0.93 of it). A guard while writing scripts; the real durations come
 * from `npm run evalset:audio` and are listed in the README.
 */
function estimatedSeconds(script: SessionScript): number {
  const speech = script.lines.reduce((s, l) => s + (l.text.split(/\s+/).length / ESPEAK_WORDS_PER_MINUTE[l.channel]!) * 60 * 0.87, 0);
  const gaps = script.lines.reduce((s, l) => s + (l.overlapSec !== undefined ? -l.overlapSec : (l.gapSec ?? 0.5)), 0);
  return speech + gaps + script.leadInSec + script.tailSec;
}

describe('the committed contrast pairs (bench/evaluation-set/contrast-pairs)', () => {
  let pairs: ContrastPair[];
  let books: Awaited<ReturnType<typeof loadCodebooks>>;
  beforeAll(async () => {
    pairs = await loadContrastPairs();
    books = await loadCodebooks();
  });

  it('has at least four scenarios, each a good and a poor script that parse with the session-script schema', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(4);
    for (const p of pairs) for (const v of VERSIONS) expect(p.scripts[v].lines.length, `${p.scenario}/${v}`).toBeGreaterThan(20);
  });

  it('keeps the same two people in both versions of a pair, clinician on channel 0', () => {
    for (const p of pairs) {
      expect(p.scripts.poor.participants, p.scenario).toEqual(p.scripts.good.participants);
      expect(p.scripts.good.participants[0].channel).toBe(0);
    }
  });

  it('codes every clinician sentence with codes from both codebooks', () => {
    const problems = pairs.flatMap((p) => VERSIONS.flatMap((v) => checkScriptCodes(p.scripts[v], books).map((x) => `${p.scenario}/${v}: ${x}`)));
    expect(problems).toEqual([]);
  });

  it('asks for 2.5 to 4 minutes per version, the poor one not much shorter than the good one', () => {
    for (const p of pairs) {
      const good = estimatedSeconds(p.scripts.good);
      const poor = estimatedSeconds(p.scripts.poor);
      const inRange = (s: number) => s >= 150 && s <= 245;
      expect({ pair: p.scenario, good, poor }).toEqual({ pair: p.scenario, good: expect.toSatisfy(inRange), poor: expect.toSatisfy((s: number) => inRange(s) && s >= 0.7 * good) });
    }
  });

  it('plays the good version with MI-consistent behaviour and the poor one without, by the codes', () => {
    const sum = (r: Record<string, number>, ids: string[]) => ids.reduce((n, id) => n + (r[id] ?? 0), 0);
    for (const p of pairs) {
      const good = codeCounts(p.scripts.good);
      const poor = codeCounts(p.scripts.poor);
      const reflections = (c: typeof good) => sum(c.mi, ['simple_reflection', 'complex_reflection']);
      const questions = (c: typeof good) => sum(c.mi, ['open_question', 'closed_question']);
      expect({ pair: p.scenario, reflectionsPerQuestion: reflections(good) / questions(good), complex: good.mi.complex_reflection ?? 0 }).toEqual({ pair: p.scenario, reflectionsPerQuestion: expect.toSatisfy((x: number) => x >= 0.9), complex: expect.toSatisfy((n: number) => n >= 3) });
      expect(sum(good.mi, ['persuade', 'confront']), p.scenario).toBe(0);
      expect(sum(good.mi, ['affirm', 'seeking_collaboration', 'emphasizing_autonomy', 'persuade_with_permission']), p.scenario).toBeGreaterThanOrEqual(5);
      for (const code of ['summary', 'signposting', 'checking_understanding']) expect(good.general[code] ?? 0, `${p.scenario} good ${code}`).toBeGreaterThanOrEqual(1);
      expect(good.general.jargon ?? 0, p.scenario).toBe(0);

      expect(reflections(poor), p.scenario).toBe(0);
      expect(sum(poor.mi, ['persuade', 'confront']), p.scenario).toBeGreaterThanOrEqual(8);
      expect(sum(poor.mi, ['affirm', 'seeking_collaboration', 'emphasizing_autonomy', 'persuade_with_permission']), p.scenario).toBe(0);
      expect(poor.general.summary ?? 0, p.scenario).toBe(0);
      expect(poor.general.checking_understanding ?? 0, p.scenario).toBe(0);
      expect(poor.general.jargon ?? 0, p.scenario).toBeGreaterThanOrEqual(4);
      expect((poor.mi.closed_question ?? 0) / questions(poor), p.scenario).toBeGreaterThan(0.9);
    }
  });

  it('gives, in expected.md, an expert score for every item of both rubrics, higher for the good version on average by at least 0.2 of the scale', async () => {
    const rubrics = await Promise.all(Object.values(CODE_SETS).map(async (id) => parseRubric(JSON.parse(await readFile(path.join(resourcesDir, 'rubrics', `${id}.json`), 'utf8')))));
    for (const p of pairs) {
      const md = await readFile(path.join(p.dir, 'expected.md'), 'utf8');
      const rows = parseExpectedScores(md);
      for (const rubric of rubrics) {
        const items = rubricItems(rubric);
        const mine = rows.filter((r) => r.rubricId === rubric.id);
        expect(mine.map((r) => r.itemId).sort(), `${p.scenario} ${rubric.id}`).toEqual(items.map((i) => i.id).sort());
        let diff = 0;
        for (const item of items) {
          const row = mine.find((r) => r.itemId === item.id)!;
          for (const s of [row.good, row.poor]) expect(s >= item.scale.min && s <= item.scale.max, `${p.scenario} ${item.id} ${s}`).toBe(true);
          expect(row.good, `${p.scenario} ${item.id}: the poor version should never be expected to score higher`).toBeGreaterThanOrEqual(row.poor);
          diff += (row.good - row.poor) / (item.scale.max - item.scale.min);
        }
        expect(diff / items.length, `${p.scenario} ${rubric.id}`).toBeGreaterThanOrEqual(0.2);
      }
      for (const v of VERSIONS) expect(md, `${p.scenario} expected.md code counts for ${v}`).toContain(formatCodeCounts(v, p.scripts[v]));
    }
  });
});
