import { describe, expect, it } from 'vitest';
import { ReportModel } from '../../../app/report/report-model';
import { scoredItems } from '../../../app/rubric/analysis';
import { citedUnits } from '../report/cited-unit';
import { buildReportFixture, FIXTURE_FAILED_SECTION, FIXTURE_UNKNOWN_UNIT } from './report-fixture';

describe('report fixture', () => {
  it('is a valid ReportModel for a 3-minute and a 30-minute session', () => {
    for (const durationSec of [180, 1800]) {
      const m = buildReportFixture({ durationSec });
      expect(() => ReportModel.parse(m)).not.toThrow();
      expect(m.transcript.segments.at(-1)!.end).toBeLessThanOrEqual(durationSec);
      expect(m.transcript.segments.at(-1)!.end).toBeGreaterThan(durationSec - 15);
    }
  });

  it('cites only units of its own transcript, each within a segment of the same speaker', () => {
    const m = buildReportFixture();
    const cited = citedUnits(m.analysis);
    expect(cited.length).toBeGreaterThan(10);
    for (const u of cited) {
      expect(m.analysis.units).toContainEqual(u);
      expect(m.transcript.segments.some((s) => s.channel === u.channel && s.start <= u.start && u.end <= s.end + 0.01 && s.text.includes(u.text))).toBe(true);
    }
    expect(m.analysis.units.some((u) => u.id === FIXTURE_UNKNOWN_UNIT)).toBe(false);
  });

  it('keeps metrics consistent with the transcript', () => {
    const m = buildReportFixture();
    const [a, b] = m.metrics.speakers;
    expect(a.talkRatio + b.talkRatio).toBeCloseTo(1, 6);
    expect(a.words + b.words).toBe(m.transcript.segments.reduce((n, s) => n + s.words.length, 0));
    expect(m.metrics.timeline).toHaveLength(m.transcript.segments.length);
    expect(scoredItems(m.analysis).filter((i) => i.citations.length === 0).map((i) => i.title)).toEqual(['Closing the session']);
    expect(m.analysis.sections.filter((s) => s.status === 'failed').map((s) => s.sectionId)).toEqual([FIXTURE_FAILED_SECTION]);
  });
});
