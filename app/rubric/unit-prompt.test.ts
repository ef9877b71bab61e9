import { describe, expect, it } from 'vitest';
import type { TranscriptUnit } from '../transcript/units';
import { PLACEHOLDER_TEXT } from './degenerate-output';
import { RubricCoding, RubricSection } from './rubric';
import { codingPrompt, narrativePrompt, renderCodeGuide, sectionPrompt, sharedPrefix, TASK_MARKER } from './unit-prompt';
import { RubricItem } from './rubric';

const units: TranscriptUnit[] = [
  { id: 'u1', channel: 0, start: 0, end: 2, text: 'Good morning.' },
  { id: 'u2', channel: 1, start: 2.5, end: 4, text: 'Morning, doctor.' },
  { id: 'u3', channel: 0, start: 4.5, end: 7, text: 'How have things been since we last met?' },
  { id: 'u4', channel: 1, start: 67.5, end: 70, text: 'Busy with work, mostly.' },
  { id: 'u5', channel: 0, start: 70.5, end: 72, text: 'Work has been full on.' },
];
const book = RubricCoding.parse({ unit: 'one unit', codes: ['open_question', 'closed_question', 'simple_reflection', 'other'].map((id) => ({ id, title: id, definition: `def ${id}` })) });
const section = RubricSection.parse({ id: 'rel', title: 'Relationship', items: [{ id: 'empathy', title: 'Empathy', guidance: 'How much the clinician shows understanding.', scale: { min: 1, max: 5, labels: [{ value: 1, label: 'Not done' }, { value: 5, label: 'Done well' }] } }] });

describe('unit prompts', () => {
  const ctx = { units, book };
  const all = [codingPrompt(ctx, units.slice(0, 3)), codingPrompt(ctx, units.slice(3)), sectionPrompt(ctx, 'MI', section), narrativePrompt(ctx, 'MI', { scores: [{ title: 'Empathy', score: 4, scaleMax: 5 }] })];

  it('starts every call of one evaluation with the same system message and transcript prefix, byte for byte', () => {
    const prefix = sharedPrefix(ctx);
    expect(prefix).toContain('u4 [01:07] PATIENT: Busy with work, mostly.');
    expect(prefix.endsWith(`${TASK_MARKER}\n`)).toBe(true);
    for (const p of all) {
      expect(p.system).toBe(all[0]!.system);
      expect(p.user.startsWith(prefix)).toBe(true);
      expect(p.user.length).toBeGreaterThan(prefix.length);
    }
    expect(new Set(all.map((p) => p.user.slice(prefix.length))).size).toBe(all.length);
  });

  it('asks a coding batch for exactly its clinician units and shows the patient unit before them', () => {
    const tail = codingPrompt(ctx, units.slice(3)).user.split(TASK_MARKER)[1]!;
    expect(tail).toContain('Code the clinician units u5.');
    expect(tail).toContain('u4 [01:07] PATIENT: Busy with work, mostly.');
    expect(tail).not.toContain('u3 [');
  });

  it('gives a section its items with guidance and scale labels', () => {
    const tail = sectionPrompt(ctx, 'MI', section).user.split(TASK_MARKER)[1]!;
    expect(tail).toContain('Item empathy: Empathy');
    expect(tail).toContain('How much the clinician shows understanding.');
    expect(tail).toContain('Scale: 1 = Not done; 2; 3; 4; 5 = Done well');
  });

  it("gives a guided item the score its codes give, lists the units on either side, and adds nothing without a guide or a coding", () => {
    const guided = RubricItem.parse({ id: 'partnership', title: 'Partnership', guidance: 'g', scale: { min: 1, max: 5, labels: [] }, codeGuide: { for: ['seeking_collaboration'], against: ['persuade', 'confront'] } });
    const poor = renderCodeGuide(guided, { u1: 'other', u3: 'persuade', u5: 'confront', u7: 'seeking_collaboration', u9: 'persuade' });
    // 1 for, 3 against: 25 % showing it → a quarter of the way up the 1–5 scale.
    expect(poor[0]).toBe("The behaviour coding of the clinician's units gives this item 2 (1 unit showing it (seeking_collaboration), 3 against it (persuade, confront): 25 % of them showing it).");
    expect(poor).toContain('- units showing it: u7 (seeking_collaboration)');
    expect(poor).toContain('- units working against it: u3 (persuade), u5 (confront), u9 (persuade)');
    expect(poor.at(-1)).toMatch(/^The score is 2\. Cite the units/);
    expect(renderCodeGuide(guided, { u1: 'other' })).toContain('- units showing it: none');
    // No guide on the item, or no coding: nothing is added, and the section schema leaves the score open.
    expect(renderCodeGuide(section.items[0]!, { u1: 'other' })).toEqual([]);
    expect(renderCodeGuide(guided, undefined)).toEqual([]);
    const one = RubricSection.parse({ id: 'rel', title: 'Relationship', items: [guided] });
    // In the section prompt, after the item's own lines.
    expect(sectionPrompt(ctx, 'MI', one, { unitCodes: { u3: 'persuade' } }).user).toContain('- units working against it: u3 (persuade)');
  });

  it('asks a guided item with chosen units to explain them, not to choose', () => {
    const guided = RubricItem.parse({ id: 'partnership', title: 'Partnership', guidance: 'g', scale: { min: 1, max: 5, labels: [] }, codeGuide: { for: ['seeking_collaboration'], against: ['persuade'] } });
    const one = RubricSection.parse({ id: 'rel', title: 'Relationship', items: [guided] });
    const tail = sectionPrompt(ctx, 'MI', one, { unitCodes: { u3: 'persuade', u5: 'seeking_collaboration' }, cited: { partnership: ['u5', 'u3'] } }).user.split(TASK_MARKER)[1]!;
    expect(tail).toContain('The score is 3. It is shown with the units u5 (seeking_collaboration), u3 (persuade).');
    expect(tail).toContain('Explain a score of the clinician');
    expect(tail).not.toMatch(/choose up to/);
    // Without chosen units the model chooses, as for an item without a guide.
    expect(sectionPrompt(ctx, 'MI', one, { unitCodes: { u3: 'persuade' } }).user).toMatch(/choose up to 3 units/);
  });

  it('never shows placeholder answer text a model could copy', () => {
    for (const p of all) expect(`${p.system}\n${p.user}`).not.toMatch(PLACEHOLDER_TEXT);
  });
});
