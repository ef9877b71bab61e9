import { describe, expect, it } from 'vitest';
import { buildReportFixture } from '../testing/report-fixture';
import { indicatorText, methodNote, rejectedCitationsNote } from './rubric-section';

describe('rejected citations note', () => {
  it('counts rejected unit ids without showing them', () => {
    const note = rejectedCitationsNote([
      { unitId: 'u999', reason: 'unknown_unit' },
      { unitId: 'u1000', reason: 'unknown_unit' },
    ]);
    expect(note).toBe('2 further citations named no unit of the transcript and were rejected.');
    expect(note).not.toContain('u999');
  });

  it('uses singular wording, names the wrong speaker, and is silent when nothing was rejected', () => {
    expect(rejectedCitationsNote([{ unitId: 'u3', reason: 'wrong_speaker' }])).toBe('1 further citation named the other speaker and was rejected.');
    expect(rejectedCitationsNote([{ unitId: 'u3', reason: 'wrong_speaker' }, { unitId: 'x', reason: 'unknown_unit' }])).toBe('2 further citations did not match the transcript and were rejected.');
    expect(rejectedCitationsNote([])).toBeNull();
  });
});

describe('method note and indicator values', () => {
  it('says who scored and coded and how many cited ids were rejected, by reason', () => {
    const note = methodNote(buildReportFixture());
    expect(note).toContain('scored by qwen2.5-coder-1.5b-instruct-q4_k_m.');
    expect(note).toContain('Clinician units coded by the language model');
    expect(note).toMatch(/rejected \(2 not in the transcript, 2 of the wrong speaker\)\./);
  });

  it('shows a percent with a % sign, a ratio with two decimals and n/a without a denominator', () => {
    const base = { id: 'i', title: 'I', definition: 'd', numeratorCodes: [], denominatorCodes: [], numerator: 0, denominator: 0 };
    expect(indicatorText({ ...base, unit: 'percent', value: 60.4 })).toBe('60 %');
    expect(indicatorText({ ...base, unit: 'ratio', value: 5 / 7 })).toBe('0.71');
    expect(indicatorText({ ...base, unit: 'ratio', value: null })).toBe('n/a');
  });
});
