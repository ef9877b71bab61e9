import { AppError } from '../../../app/contracts/errors';
import type { SessionView } from '../../../app/contracts/api';
import type { SessionListRoute } from '../../../app/contracts/session-list-api';
import type { Tx } from '../db/database';
import * as sessions from '../db/repositories/sessions';
import type { z } from 'zod';

export type SessionListFilter = z.output<typeof SessionListRoute.query>;

/**
 * Rows read per request at most. Titles and names are sealed, so a search or the access filter is
 * applied here, not in SQL: a search that matches nothing must not read the whole org in one
 * request. The page then ends early with a cursor, and the client asks on.
 */
export const SESSION_LIST_SCAN_MAX = 1000;

const KEY_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const encodeSessionCursor = (k: sessions.SessionKey): string => Buffer.from(`${k.createdAt}|${k.id}`, 'utf8').toString('base64url');

/** A cursor this server did not write is a client error (request.invalid), never a 500 or an empty page. */
export function decodeSessionCursor(cursor: string): sessions.SessionKey {
  const [createdAt, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (rest.length || !createdAt || !id || !KEY_TIME.test(createdAt) || !UUID.test(id) || Number.isNaN(Date.parse(createdAt))) {
    throw new AppError('request.invalid', 'cursor: not a cursor of this list; pass the nextCursor of an earlier page', { status: 400 });
  }
  return { createdAt, id };
}

const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase('en');

/** Every word of the query appears in one of the texts (case and accents ignored). */
export function matchesSearch(q: string | undefined, texts: string[]): boolean {
  const words = fold(q ?? '').split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const hay = texts.map(fold);
  return words.every((w) => hay.some((t) => t.includes(w)));
}

/**
 * One page: rows in keyset order, filtered in SQL by status, rubric and date, here by `visible`
 * (the access policy) and the search, until `limit` are found, the rows run out, or
 * SESSION_LIST_SCAN_MAX were read (then the cursor points after the last row read).
 */
export async function listSessionPage(
  tx: Tx,
  f: SessionListFilter,
  visible: (s: { id: string; createdBy: string }) => boolean,
  view: (tx: Tx, id: string) => Promise<SessionView>,
): Promise<{ sessions: SessionView[]; nextCursor: string | null }> {
  let after = f.cursor ? decodeSessionCursor(f.cursor) : undefined;
  const found: { id: string; key: sessions.SessionKey }[] = [];
  const batch = f.q ? Math.max(100, f.limit + 1) : f.limit + 1;
  let scanned = 0;
  let exhausted = false;
  while (found.length <= f.limit && scanned < SESSION_LIST_SCAN_MAX) {
    const want = Math.min(batch, SESSION_LIST_SCAN_MAX - scanned);
    const rows = await sessions.listSessionsAfter(tx, { status: f.status, rubricId: f.rubricId, from: f.from, to: f.to, after, limit: want });
    for (const { session, key } of rows) {
      scanned += 1;
      after = key;
      if (!visible(session)) continue;
      if (f.q) {
        const names = (await sessions.getSession(tx, session.id))?.participants.flatMap((p) => [p.displayName, p.roleLabel]) ?? [];
        if (!matchesSearch(f.q, [session.title, ...names])) continue;
      }
      found.push({ id: session.id, key });
      if (found.length > f.limit) break;
    }
    if (rows.length < want) {
      exhausted = true;
      break;
    }
  }
  const page = found.slice(0, f.limit);
  const more = found.length > f.limit || (!exhausted && after !== undefined);
  const last = found.length > f.limit ? page.at(-1)!.key : after;
  return { sessions: await Promise.all(page.map((p) => view(tx, p.id))), nextCursor: more && last ? encodeSessionCursor(last) : null };
}
