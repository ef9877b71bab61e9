import { describe, expect, it } from 'vitest';
import { formatClock, formatDuration, formatIndicator, formatPercent, formatTimeRange, formatUtcDateTime } from './report-format';

describe('report text formats', () => {
  it('formats clock times as mm:ss and switches to h:mm:ss from one hour', () => {
    expect(formatClock(0)).toBe('00:00');
    expect(formatClock(65.9)).toBe('01:05');
    expect(formatClock(1799)).toBe('29:59');
    expect(formatClock(3725)).toBe('1:02:05');
  });

  it('formats a time range with an en dash and never ends before it starts', () => {
    expect(formatTimeRange(83.2, 91.4)).toBe('01:23–01:32');
    expect(formatTimeRange(12.2, 12.6)).toBe('00:12–00:13');
  });

  it('formats durations in words', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
  });

  it('formats the recording date in UTC whatever the offset of the ISO string', () => {
    expect(formatUtcDateTime('2026-11-25T15:05:00+01:00')).toBe('25 Nov 2026, 14:05 UTC');
    expect(formatUtcDateTime('not a date')).toBe('not a date');
  });

  it('formats ratios and indicator values', () => {
    expect(formatPercent(0.625)).toBe('63 %');
    expect(formatIndicator(0.6666)).toBe('0.67');
    expect(formatIndicator(null)).toBe('n/a');
  });
});
