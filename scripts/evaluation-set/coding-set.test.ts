import { beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  checkAgainstCodebooks,
  CODE_SETS,
  CodingSetError,
  countByCode,
  evaluationSetDir,
  loadCodebooks,
  loadCodingSet,
  normalisedText,
  parseCodingSet,
  type CodeSetField,
  type CodingItem,
} from './coding-set';

/** The last id of the stratified 60 / 40 set; ids after it are train-only additions (README "Additions"). */
const STRATIFIED_LAST_ID = 'c0532';

const item = (over: Partial<CodingItem> = {}): CodingItem => ({
  id: 'c0001',
  scenario: 'bp-check',
  context: [{ speaker: 'patient', text: 'I forgot my tablets twice this week.' }],
  text: 'You forgot them twice.',
  mi: 'simple_reflection',
  general: 'other',
  split: 'train',
  ...over,
});

describe('parseCodingSet', () => {
  it('reads one item per line and skips blank lines', () => {
    const text = `${JSON.stringify(item())}\n\n${JSON.stringify(item({ id: 'c0002', split: 'test' }))}\n`;
    expect(parseCodingSet(text).map((i) => i.id)).toEqual(['c0001', 'c0002']);
  });

  it('names the line and field of every problem instead of stopping at the first', () => {
    const lines = [JSON.stringify(item()), '{not json', JSON.stringify({ ...item({ id: 'x1' }), context: [] }), JSON.stringify({ ...item(), extra: 1 })];
    let error: unknown;
    try {
      parseCodingSet(lines.join('\n'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CodingSetError);
    const problems = (error as CodingSetError).problems.join('\n');
    expect(problems).toMatch(/line 2: not JSON/);
    expect(problems).toMatch(/line 3: id: ids look like c0001/);
    expect(problems).toMatch(/line 3: context:/);
    expect(problems).toMatch(/line 4: .*extra/);
    expect(problems).not.toMatch(/line 1:/);
  });

  it('rejects a context of more than four turns', () => {
    const context = Array.from({ length: 5 }, (_, i) => ({ speaker: i % 2 ? 'clinician' : 'patient', text: `turn ${i}` }));
    expect(() => parseCodingSet(JSON.stringify({ ...item(), context }))).toThrow(/context/);
  });
});

describe('checkAgainstCodebooks', () => {
  it('flags a code that is not in the codebook of its set', () => {
    const books = { mi: ['simple_reflection', 'other'], general: ['other'] };
    expect(checkAgainstCodebooks([item(), item({ id: 'c0002', mi: 'summary' })], books)).toEqual([
      'c0002: mi code "summary" is not in the motivational-interviewing codebook',
    ]);
  });
});

describe('normalisedText', () => {
  it('ignores case and spacing but keeps the question mark that separates a reflection from a question', () => {
    expect(normalisedText('  You stopped  them. ')).toBe(normalisedText('you stopped them.'));
    expect(normalisedText('You stopped them.')).not.toBe(normalisedText('You stopped them?'));
  });
});

describe('the committed coding set (bench/evaluation-set/coding.jsonl)', () => {
  let items: CodingItem[];
  let books: Awaited<ReturnType<typeof loadCodebooks>>;
  beforeAll(async () => {
    items = await loadCodingSet();
    books = await loadCodebooks();
  });

  it('parses, line by line, and holds at least 360 utterances', () => {
    expect(items.length).toBeGreaterThanOrEqual(360);
  });

  it('uses only codes that the rubric codebooks define', () => {
    expect(checkAgainstCodebooks(items, books)).toEqual([]);
  });

  it('has unique ids and no utterance twice', () => {
    const dup = (xs: string[]) => xs.filter((x, i) => xs.indexOf(x) !== i);
    expect(dup(items.map((i) => i.id))).toEqual([]);
    expect(dup(items.map((i) => normalisedText(i.text)))).toEqual([]);
  });

  it('gives every utterance a context of real turns, never the utterance itself as its own context', () => {
    for (const i of items) {
      expect(i.context.length, i.id).toBeGreaterThan(0);
      expect(i.context.at(-1)!.text.endsWith(i.text), i.id).toBe(false);
    }
  });

  it('keeps every scenario within one split, so the test split measures generalisation to new conversations', () => {
    const splitOf = new Map<string, Set<string>>();
    for (const i of items) splitOf.set(i.scenario, (splitOf.get(i.scenario) ?? new Set()).add(i.split));
    expect([...splitOf].filter(([, s]) => s.size > 1).map(([scenario]) => scenario)).toEqual([]);
  });

  it.each(Object.keys(CODE_SETS) as CodeSetField[])('has at least 20 examples of every %s code, each in both splits', (field) => {
    const counts = countByCode(items, field, books[field]);
    const short = Object.entries(counts).filter(([, c]) => c.total < 20 || c.train === 0 || c.test === 0);
    expect(short).toEqual([]);
  });

  it('splits its first 532 utterances about 60 / 40, and so for every MI code (that split is stratified by MI code)', () => {
    const core = items.filter((i) => i.id <= STRATIFIED_LAST_ID);
    const share = (xs: CodingItem[]) => xs.filter((i) => i.split === 'train').length / xs.length;
    expect(core.length).toBe(532);
    expect(share(core)).toBeGreaterThan(0.55);
    expect(share(core)).toBeLessThan(0.65);
    for (const code of books.mi) expect({ code, share: share(core.filter((i) => i.mi === code)) }).toEqual({ code, share: expect.toSatisfy((x: number) => x >= 0.5 && x <= 0.7) });
  });

  it('adds later utterances to the train split only, in scenarios of their own, so the test split stays as it was', () => {
    const later = items.filter((i) => i.id > STRATIFIED_LAST_ID);
    const coreScenarios = new Set(items.filter((i) => i.id <= STRATIFIED_LAST_ID).map((i) => i.scenario));
    expect(later.filter((i) => i.split !== 'train').map((i) => i.id)).toEqual([]);
    expect([...new Set(later.filter((i) => coreScenarios.has(i.scenario)).map((i) => i.scenario))]).toEqual([]);
  });

  it('writes some lines the way a speech recogniser delivers them (lower case or no final punctuation)', () => {
    const asrStyle = items.filter((i) => /^[a-z]/.test(i.text) || !/[.?!]$/.test(i.text));
    expect(asrStyle.length / items.length).toBeGreaterThanOrEqual(0.12);
  });

  it('contains reflection / closed-question pairs that differ only by the question mark', () => {
    const byText = new Map(items.map((i) => [normalisedText(i.text), i]));
    const pairs = items.filter((i) => i.mi === 'closed_question' && i.text.endsWith('?')).filter((q) => byText.get(normalisedText(q.text.replace(/\?$/, '.')))?.mi === 'simple_reflection');
    expect(pairs.length).toBeGreaterThanOrEqual(2);
  });

  it('states in its README the counts per code and split that the data has', async () => {
    const readme = await readFile(path.join(evaluationSetDir, 'README.md'), 'utf8');
    for (const field of Object.keys(CODE_SETS) as CodeSetField[]) {
      for (const [code, c] of Object.entries(countByCode(items, field, books[field]))) {
        expect(readme).toContain(`| ${field} | ${code} | ${c.train} | ${c.test} | ${c.total} |`);
      }
    }
    expect(readme).toContain(`${items.length} utterances`);
  });
});
