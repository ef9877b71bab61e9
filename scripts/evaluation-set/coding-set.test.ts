import { beforeAll, describe, expect, it } from 'vitest';
import { checkAgainstCodebooks, CodingSetError, loadCodebooks, loadCodingSet, normalisedText, parseCodingSet, type CodingItem } from './coding-set';

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

  it('parses, line by line', () => {
    expect(items.length).toBeGreaterThanOrEqual(200);
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
});
