import { describe, expect, it } from 'vitest';
import { buildCodingConversations } from './coding-conversations';
import { loadCodingSet, type CodingItem } from './coding-set';

const item = (id: string, context: CodingItem['context'], text: string): CodingItem => ({ id, scenario: 's', context, text, mi: 'other', general: 'other', split: 'test' });

describe('buildCodingConversations', () => {
  it('chains items whose context continues the exchange and starts a new one when it does not', () => {
    const items = [
      item('c0001', [{ speaker: 'patient', text: 'Hello. My knee hurts.' }], 'Tell me more.'),
      item('c0002', [{ speaker: 'patient', text: 'Hello. My knee hurts.' }, { speaker: 'clinician', text: 'Tell me more.' }, { speaker: 'patient', text: 'It aches at 7.30 each night.' }], 'That sounds tiring.'),
      item('c0003', [{ speaker: 'patient', text: 'Something else entirely.' }], 'Go on.'),
    ];
    const [first, second] = buildCodingConversations(items);
    expect(first!.units.map((u) => [u.channel, u.text])).toEqual([
      [1, 'Hello.'],
      [1, 'My knee hurts.'],
      [0, 'Tell me more.'],
      [1, 'It aches at 7.30 each night.'],
      [0, 'That sounds tiring.'],
    ]);
    expect([...first!.labelled].map(([id, it]) => [id, it.id])).toEqual([
      ['u3', 'c0001'],
      ['u5', 'c0002'],
    ]);
    expect(second!.units.map((u) => u.text)).toEqual(['Something else entirely.', 'Go on.']);
    for (const u of first!.units.slice(1)) expect(u.start).toBeGreaterThan(0);
  });

  it('places every labelled utterance of the coding set once, in its own split', async () => {
    const items = await loadCodingSet();
    const conversations = buildCodingConversations(items);
    const labelled = conversations.flatMap((c) => [...c.labelled.values()].map((it) => [it.id, it.split === c.split] as const));
    expect(labelled).toHaveLength(items.length);
    expect(new Set(labelled.map(([id]) => id)).size).toBe(items.length);
    expect(labelled.every(([, sameSplit]) => sameSplit)).toBe(true);
    expect(buildCodingConversations(items, 'test').reduce((n, c) => n + c.labelled.size, 0)).toBe(items.filter((i) => i.split === 'test').length);
  });
});
