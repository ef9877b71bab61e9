/**
 * The coding set as conversations: the items of one scenario, read in file order, are rebuilt
 * into the exchanges they come from (each item's context turns are the turns before it), and each
 * exchange becomes transcript units, so a coder sees an utterance with what was said before it,
 * as it would in a real transcript. A labelled clinician utterance is one unit; patient turns (and
 * clinician context that is not an item) are split into sentences.
 */
import type { TranscriptUnit } from '../../app/transcript/units';
import type { CodingItem } from './coding-set';

export interface CodingConversation {
  scenario: string;
  /** 1-based index of the exchange within its scenario. */
  episode: number;
  split: CodingItem['split'];
  units: TranscriptUnit[];
  /** Labelled clinician units: unit id → the item it is. */
  labelled: Map<string, CodingItem>;
}

interface DraftUnit {
  speaker: 'patient' | 'clinician';
  text: string;
  item?: CodingItem;
}

/** Consecutive units of one speaker joined into turns, as the coding set writes its context. */
function turnsOf(units: readonly DraftUnit[]): Array<{ speaker: DraftUnit['speaker']; text: string }> {
  const turns: Array<{ speaker: DraftUnit['speaker']; text: string }> = [];
  for (const u of units) {
    const last = turns[turns.length - 1];
    if (last && last.speaker === u.speaker) last.text = `${last.text} ${u.text}`;
    else turns.push({ speaker: u.speaker, text: u.text });
  }
  return turns;
}

const same = (a: string, b: string) => a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim();

/**
 * How many leading context turns are already the last turns of the exchange (0: the item starts a
 * new exchange). The last context turn may be a clinician turn the item continues.
 */
function overlap(exchange: readonly DraftUnit[], context: CodingItem['context']): number {
  const turns = turnsOf(exchange);
  for (let k = Math.min(context.length, turns.length); k > 0; k--) {
    const tail = turns.slice(turns.length - k);
    if (tail.every((t, i) => t.speaker === context[i]!.speaker && same(t.text, context[i]!.text))) return k;
  }
  return 0;
}

const sentenceUnits = (speaker: DraftUnit['speaker'], text: string): DraftUnit[] => {
  // At . ? ! … followed by a space, so "7.4" stays one number.
  const sentences = text.trim().split(/(?<=[.?!…])\s+/).filter((s) => /[\p{L}\p{N}]/u.test(s));
  return (sentences.length ? sentences : [text.trim()]).map((s) => ({ speaker, text: s }));
};

/** Seconds a unit lasts in the made-up timeline: about 2.5 words a second, as in the scripts. */
const duration = (text: string) => Math.max(0.6, text.split(/\s+/).length / 2.5);

function toUnits(draft: readonly DraftUnit[]): { units: TranscriptUnit[]; labelled: Map<string, CodingItem> } {
  const units: TranscriptUnit[] = [];
  const labelled = new Map<string, CodingItem>();
  let t = 0;
  let previous: DraftUnit['speaker'] | undefined;
  for (const [i, u] of draft.entries()) {
    if (previous && previous !== u.speaker) t += 0.4;
    const id = `u${i + 1}`;
    const end = t + duration(u.text);
    units.push({ id, channel: u.speaker === 'clinician' ? 0 : 1, start: round(t), end: round(end), text: u.text });
    if (u.item) labelled.set(id, u.item);
    t = end + 0.2;
    previous = u.speaker;
  }
  return { units, labelled };
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * Rebuilds the exchanges of every scenario (optionally of one split). Throws when an item's
 * context contradicts the exchange it continues, since that would mean the file is not what the
 * coders are told it is.
 */
export function buildCodingConversations(items: readonly CodingItem[], split?: CodingItem['split']): CodingConversation[] {
  const byScenario = new Map<string, CodingItem[]>();
  for (const item of items) {
    if (split && item.split !== split) continue;
    byScenario.set(item.scenario, [...(byScenario.get(item.scenario) ?? []), item]);
  }
  const out: CodingConversation[] = [];
  for (const [scenario, scenarioItems] of byScenario) {
    const exchanges: DraftUnit[][] = [];
    let current: DraftUnit[] = [];
    for (const item of scenarioItems) {
      const k = current.length ? overlap(current, item.context) : 0;
      if (k === 0) {
        if (current.length) exchanges.push(current);
        current = [];
      }
      for (const turn of item.context.slice(k)) current.push(...sentenceUnits(turn.speaker, turn.text));
      current.push({ speaker: 'clinician', text: item.text, item });
    }
    if (current.length) exchanges.push(current);
    exchanges.forEach((draft, i) => out.push({ scenario, episode: i + 1, split: draft.find((u) => u.item)!.item!.split, ...toUnits(draft) }));
  }
  return out;
}
