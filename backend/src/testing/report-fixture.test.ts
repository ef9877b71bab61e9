import { describe, expect, it } from 'vitest';
import { ReportModel } from '../../../app/report/report-model';
import { buildReportFixture, FIXTURE_REJECTED_QUOTE } from './report-fixture';

describe('report fixture', () => {
  it('is a valid ReportModel for a 3-minute and a 30-minute session', () => {
    for (const durationSec of [180, 1800]) {
      const m = buildReportFixture({ durationSec });
      expect(() => ReportModel.parse(m)).not.toThrow();
      expect(m.transcript.segments.at(-1)!.end).toBeLessThanOrEqual(durationSec);
      expect(m.transcript.segments.at(-1)!.end).toBeGreaterThan(durationSec - 15);
    }
  });

  it('takes every verified quote from a transcript segment of the same speaker and time', () => {
    const m = buildReportFixture();
    const quotes = [...m.analysis.items.flatMap((i) => i.evidence), ...m.analysis.behaviours.flatMap((b) => b.instances)];
    expect(quotes.length).toBeGreaterThan(10);
    for (const q of quotes) {
      expect(m.transcript.segments.some((s) => s.channel === q.channel && s.start === q.start && s.end === q.end && s.text === q.matchedText)).toBe(true);
    }
    expect(m.transcript.segments.some((s) => s.text.includes(FIXTURE_REJECTED_QUOTE))).toBe(false);
  });

  it('keeps metrics consistent with the transcript', () => {
    const m = buildReportFixture();
    const [a, b] = m.metrics.speakers;
    expect(a.talkRatio + b.talkRatio).toBeCloseTo(1, 6);
    expect(a.words + b.words).toBe(m.transcript.segments.reduce((n, s) => n + s.words.length, 0));
    expect(m.metrics.timeline).toHaveLength(m.transcript.segments.length);
    expect(m.analysis.items.filter((i) => !i.verified).map((i) => i.title)).toEqual(['Closing the session']);
  });
});
