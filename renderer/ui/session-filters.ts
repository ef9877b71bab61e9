import type { SessionView } from '../../app/contracts/api';
import type { SessionListQuery } from '../../app/contracts/session-list-api';

/** What the list's filter controls hold: date fields as the date input gives them (YYYY-MM-DD, the user's own days). */
export interface SessionFilters {
  q: string;
  status: SessionView['status'] | '';
  rubricId: string;
  from: string;
  to: string;
}

export const NO_FILTERS: SessionFilters = { q: '', status: '', rubricId: '', from: '', to: '' };

export const hasFilters = (f: SessionFilters) => Object.values(f).some((v) => v.trim() !== '');

/** Local midnight of a YYYY-MM-DD day, `plusDays` later; null for anything else. */
function localMidnight(day: string, plusDays = 0): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The request for these filters: "to" includes the whole of its day, so it becomes the next day's midnight. */
export function filtersToQuery(f: SessionFilters): SessionListQuery {
  const q: SessionListQuery = {};
  if (f.q.trim()) q.q = f.q.trim().slice(0, 100);
  if (f.status) q.status = f.status;
  if (f.rubricId) q.rubricId = f.rubricId;
  const from = localMidnight(f.from);
  const to = localMidnight(f.to, 1);
  if (from) q.from = from;
  if (to && (!from || Date.parse(to) > Date.parse(from))) q.to = to;
  return q;
}

export function durationText(sec: number): string {
  const s = Math.round(sec);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
