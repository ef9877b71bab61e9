import { z } from 'zod';
import { SessionStatus, SessionView } from './api';
import { lineText } from './text';
import type { HttpRouteContract } from './http-route';

/** Largest page a client may ask for; the default when it asks for none. */
export const SESSION_PAGE_MAX = 100;
export const SESSION_PAGE_DEFAULT = 50;

/**
 * `GET /v1/sessions`: the sessions of the caller's org that the caller may read (the access
 * policy's `session.read`, as before), newest created first, one page at a time (keyset paging:
 * `cursor` is the `nextCursor` of the page before, opaque to clients).
 *
 * Filters: `q` (every word must appear in the title or a participant's name or role, ignoring case
 * and accents), `status`, `rubricId`, and `from` / `to` on the session's date (the recording date,
 * else the creation date; `from` inclusive, `to` exclusive), each an ISO date-time so the client's
 * own midnight is the day boundary. Titles and names are sealed at rest, so the search reads them
 * in the server; a page may therefore come back shorter than `limit` with a `nextCursor` when the
 * server stopped after reading its share of rows — only `nextCursor: null` means the end.
 */
export const SessionListResponse = z.object({
  sessions: z.array(SessionView.meta({ id: 'SessionView' })),
  /** Pass as `cursor` for the next page; null when there is none. */
  nextCursor: z.string().nullable(),
});

export const SessionListRoute = {
  operationId: 'listSessions',
  method: 'get',
  /** Under /v1, express syntax. */
  path: '/sessions',
  auth: 'bearer',
  summary: 'One page of the sessions of the caller\'s org that the caller may read, newest first; search, filters and keyset paging (pass nextCursor as cursor)',
  query: z
    .object({
      q: lineText().trim().max(100).optional().describe('Words that must each appear in the title, a participant name or role'),
      status: SessionStatus.optional(),
      rubricId: lineText().min(1).max(100).optional(),
      from: z.string().datetime({ offset: true }).optional().describe('Sessions dated at or after this instant'),
      to: z.string().datetime({ offset: true }).optional().describe('Sessions dated before this instant'),
      cursor: z.string().regex(/^[A-Za-z0-9_-]{1,400}$/, 'cursor must be the nextCursor of an earlier page').optional(),
      limit: z.coerce.number().int().min(1).max(SESSION_PAGE_MAX).default(SESSION_PAGE_DEFAULT),
    })
    .strict()
    .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['to'] }),
  responses: { 200: { description: 'Sessions', json: SessionListResponse } },
  errors: {},
} as const satisfies HttpRouteContract;

export type SessionListQuery = z.input<typeof SessionListRoute.query>;
export type SessionListPage = z.infer<typeof SessionListResponse>;

/** The query string for a list request (absent and empty filters left out). */
export function sessionListSearch(q: SessionListQuery): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && String(v) !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
