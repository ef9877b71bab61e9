import { describe, expect, it } from 'vitest';
import { durationText, filtersToQuery, hasFilters, NO_FILTERS } from './session-filters';

describe('session list filters', () => {
  it('sends only the filters that are set, the search trimmed', () => {
    expect(filtersToQuery(NO_FILTERS)).toEqual({});
    expect(hasFilters(NO_FILTERS)).toBe(false);
    expect(filtersToQuery({ ...NO_FILTERS, q: '  reyes ', status: 'failed', rubricId: 'motivational-interviewing' })).toEqual({ q: 'reyes', status: 'failed', rubricId: 'motivational-interviewing' });
    expect(hasFilters({ ...NO_FILTERS, q: 'x' })).toBe(true);
  });

  it('turns the date range into local midnights, the end day included', () => {
    const q = filtersToQuery({ ...NO_FILTERS, from: '2026-03-02', to: '2026-03-02' });
    expect(new Date(q.from!).getTime()).toBe(new Date(2026, 2, 2).getTime());
    expect(new Date(q.to!).getTime()).toBe(new Date(2026, 2, 3).getTime());
  });

  it('leaves out a date that is not one, and an end before the start', () => {
    expect(filtersToQuery({ ...NO_FILTERS, from: '2026-3-2' })).toEqual({});
    const q = filtersToQuery({ ...NO_FILTERS, from: '2026-03-10', to: '2026-03-02' });
    expect(q.to).toBeUndefined();
    expect(q.from).toBeDefined();
  });

  it('writes a duration as minutes and seconds', () => {
    expect(durationText(179)).toBe('2:59');
    expect(durationText(8.4)).toBe('0:08');
    expect(durationText(59.6)).toBe('1:00');
  });
});
