// Text formats of the report. Deterministic: no locale, no local time zone, so the same model
// renders the same PDF text on every machine.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number) => String(n).padStart(2, '0');

/** "mm:ss", or "h:mm:ss" from one hour on; seconds are truncated so ranges never start late. */
export function formatClock(sec: number): string {
  const total = Math.max(0, Math.floor(sec));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad2(m)}:${pad2(s)}` : `${pad2(m)}:${pad2(s)}`;
}

/** "mm:ss–mm:ss" (en dash); the end is rounded up so a short quote never shows an empty range. */
export function formatTimeRange(start: number, end: number): string {
  return `${formatClock(start)}–${formatClock(Math.max(Math.ceil(end), Math.floor(start)))}`;
}

/** "45 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(sec: number): string {
  const total = Math.max(0, Math.round(sec));
  if (total < 60) return `${total} s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h} h ${pad2(m)} min` : `${m} min ${pad2(s)} s`;
}

/** "25 Nov 2026, 14:05 UTC"; an unparseable string is shown as given rather than hidden. */
export function formatUtcDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())} UTC`;
}

/** "62 %" from a ratio 0..1. */
export function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 100)} %`;
}

/** One decimal for seconds-like figures: "12.3 s". */
export function formatSeconds(sec: number): string {
  return `${sec.toFixed(1)} s`;
}

/** Up to two decimals without trailing zeros; null means the model or metric had no value. */
export function formatIndicator(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return 'n/a';
  return String(Math.round(value * 100) / 100);
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
