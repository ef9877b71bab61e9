import { describe, expect, it } from 'vitest';
import { VerifiedAnalysis, scoredItems } from '../../../app/rubric/analysis';
import { buildSampleAnalysis } from './sample-analysis-fixture';

describe('sample-session analysis fixture', () => {
  it('is a valid VerifiedAnalysis whose every citation is a unit of the transcript with its own words', () => {
    const a = VerifiedAnalysis.parse(buildSampleAnalysis());
    const byId = new Map(a.units.map((u) => [u.id, u]));
    const cited = [...scoredItems(a).flatMap((i) => i.citations), ...(a.narrative.status === 'written' ? [a.narrative.summary, ...a.narrative.strengths, ...a.narrative.suggestions].flatMap((s) => s.citations) : [])];
    expect(cited.length).toBeGreaterThan(15);
    for (const c of cited) expect(byId.get(c.id)).toEqual(c);
    for (const i of scoredItems(a)) for (const c of i.citations) expect(c.channel).toBe(0);
  });

  it('codes every clinician unit once and derives the indicators from the counts', () => {
    const a = buildSampleAnalysis();
    if (a.coding?.status !== 'coded') throw new Error('not coded');
    expect(a.coding.codes.map((c) => c.unitId)).toEqual(a.units.filter((u) => u.channel === 0).map((u) => u.id));
    expect(a.coding.uncoded).toEqual([]);
    const count = Object.fromEntries(a.coding.counts.map((c) => [c.codeId, c.count]));
    expect(count).toMatchObject({ open_question: 5, closed_question: 2, simple_reflection: 2, complex_reflection: 3, affirm: 2, seeking_collaboration: 2 });
    const ind = Object.fromEntries(a.coding.indicators.map((i) => [i.id, i.value]));
    expect(ind.reflection_to_question).toBeCloseTo(5 / 7, 10);
    expect(ind.percent_complex_reflections).toBeCloseTo(60, 10);
    expect(ind.mi_non_adherent).toBe(0);
  });

  it('rejects and counts the patient unit cited for a clinician item', () => {
    const a = buildSampleAnalysis();
    const partnership = scoredItems(a).find((i) => i.itemId === 'partnership')!;
    expect(partnership.rejected).toEqual([{ unitId: a.units.find((u) => u.text === 'Sure, go ahead.')!.id, reason: 'wrong_speaker' }]);
    expect(a.stats.citations.wrongSpeaker).toBe(1);
    expect(a.stats.citations.cited).toBe(a.stats.citations.accepted + 1);
  });

  it('can show a failed section and a failed narrative with their reasons', () => {
    const a = VerifiedAnalysis.parse(buildSampleAnalysis({ failSection: 'global_relational', failNarrative: true }));
    expect(a.sections.map((s) => s.status)).toEqual(['scored', 'failed']);
    expect(a.sections[1]).toMatchObject({ status: 'failed', reason: expect.stringContaining('repeated'), items: [{ itemId: 'partnership' }, { itemId: 'empathy' }] });
    expect(a.narrative).toMatchObject({ status: 'failed', reason: expect.stringContaining('two sentences') });
  });
});
