import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionWithParticipants, setSessionStatus } from '../db/repositories/sessions';
import { decodeSessionCursor, encodeSessionCursor, matchesSearch } from '../sessions/session-list';
import { jsonCall } from '../signaling/signaling-fixtures';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';

let h: ApiHarness;
let clinician: { orgId: string; userId: string; token: string };
/** Ids in the list's order (newest first). */
let ids: string[] = [];

const consent = { givenAt: new Date(), method: 'in_app', textVersion: 'consent-v1' };
type Seed = { title: string; other: string; rubricId?: string; recordedAt?: string; status?: 'completed' | 'failed' };
const SEEDS: Seed[] = [
  { title: 'Intake', other: 'José Álvarez', recordedAt: '2026-03-02T10:00:00Z' },
  { title: 'Follow-up one', other: 'Daniel Reyes', status: 'completed', recordedAt: '2026-03-10T10:00:00Z' },
  { title: 'Follow-up two', other: 'Daniel Reyes', rubricId: 'communication-general', recordedAt: '2026-03-20T10:00:00Z' },
  { title: 'Sleep check', other: 'Amira Haddad', status: 'failed', recordedAt: '2026-04-01T10:00:00Z' },
  { title: 'Sleep review', other: 'Amira Haddad' },
  { title: 'Walking plan', other: 'Tom Berg', status: 'completed' },
  { title: 'Closing visit', other: 'Tom Berg' },
];

async function seed(tx: Parameters<Parameters<ApiHarness['tdb']['db']['withOrg']>[1]>[0], s: Seed): Promise<string> {
  const created = await createSessionWithParticipants(tx, {
    title: s.title,
    rubricId: s.rubricId ?? 'motivational-interviewing',
    createdBy: clinician.userId,
    recordedAt: s.recordedAt ?? null,
    participants: [
      { channel: 0, displayName: 'Dr. Maya Okafor', roleLabel: 'Clinician', consent },
      { channel: 1, displayName: s.other, roleLabel: 'Patient', consent },
    ],
  });
  if (s.status) await setSessionStatus(tx, created.id, s.status);
  return created.id;
}

beforeAll(async () => {
  h = await startApiHarness();
  clinician = await h.user('clinician');
  const made: string[] = [];
  // The first four in one transaction: they share created_at (now() is the transaction's), so the id alone orders them.
  made.push(...(await h.tdb.db.withOrg(clinician.orgId, async (tx) => Promise.all(SEEDS.slice(0, 4).map((s) => seed(tx, s))))));
  for (const s of SEEDS.slice(4)) made.push(await h.tdb.db.withOrg(clinician.orgId, (tx) => seed(tx, s)));
  const tied = made.slice(0, 4).sort().reverse();
  ids = [...made.slice(4).reverse(), ...tied];
});
afterAll(async () => h?.close());

const list = async (query: string, token = clinician.token) => jsonCall(h.url, 'GET', `/v1/sessions${query}`, token) as Promise<{ status: number; json: { sessions: { id: string; title: string }[]; nextCursor: string | null; code?: string; detail?: string } }>;
const titlesOf = (r: Awaited<ReturnType<typeof list>>) => r.json.sessions.map((s) => s.title);

describe('GET /v1/sessions: search, filters and keyset paging', () => {
  it('pages through every session newest first, each once, with ties on created_at broken by id', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const r = await list(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...r.json.sessions.map((s) => s.id));
      sizes.push(r.json.sessions.length);
      cursor = r.json.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(ids);
    // Without a limit, the default page holds them all and says there is no more.
    const all = await list('');
    expect(all.json.sessions.map((s) => s.id)).toEqual(ids);
    expect(all.json.nextCursor).toBeNull();
  });

  it('ends with nextCursor null when the last page is exactly full', async () => {
    const first = await list('?limit=4');
    expect(first.json.nextCursor).not.toBeNull();
    const second = await list(`?limit=3&cursor=${first.json.nextCursor}`);
    expect(second.json.sessions).toHaveLength(3);
    expect(second.json.nextCursor).toBeNull();
  });

  it('searches titles, participant names and roles, every word, ignoring case and accents', async () => {
    expect(titlesOf(await list('?q=jose%20alvarez'))).toEqual(['Intake']);
    expect(titlesOf(await list('?q=REYES')).sort()).toEqual(['Follow-up one', 'Follow-up two']);
    expect(titlesOf(await list('?q=sleep%20haddad')).sort()).toEqual(['Sleep check', 'Sleep review']);
    expect(titlesOf(await list('?q=sleep%20reyes'))).toEqual([]);
    expect((await list('?q=patient')).json.sessions).toHaveLength(SEEDS.length);
    // Paged search: one match per page, the cursor carries on after the rows the search skipped.
    const p1 = await list('?q=tom&limit=1');
    const p2 = await list(`?q=tom&limit=1&cursor=${p1.json.nextCursor}`);
    expect([...titlesOf(p1), ...titlesOf(p2)]).toEqual(['Closing visit', 'Walking plan']);
    expect(p1.json.nextCursor).not.toBeNull();
    expect(p2.json.nextCursor).toBeNull();
  });

  it('filters by status, rubric and date range (from inclusive, to exclusive, on the recording date else the creation date)', async () => {
    expect(titlesOf(await list('?status=completed'))).toEqual(['Walking plan', 'Follow-up one']); // one created later, one in the first transaction
    expect(titlesOf(await list('?status=failed'))).toEqual(['Sleep check']);
    expect(titlesOf(await list('?rubricId=communication-general'))).toEqual(['Follow-up two']);
    expect(titlesOf(await list('?from=2026-03-10T10:00:00Z&to=2026-04-01T10:00:00Z')).sort()).toEqual(['Follow-up one', 'Follow-up two']);
    expect(titlesOf(await list('?to=2026-03-03T00:00:00%2B01:00'))).toEqual(['Intake']);
    expect(titlesOf(await list('?status=completed&q=reyes'))).toEqual(['Follow-up one']);
  });

  it('lists only what the caller may read: another clinician nothing, a supervisor once assigned', async () => {
    const colleague = await h.user('clinician', clinician.orgId);
    expect((await list('', colleague.token)).json).toEqual({ sessions: [], nextCursor: null });
    const sup = await h.user('supervisor', clinician.orgId);
    expect((await list('?limit=2', sup.token)).json).toEqual({ sessions: [], nextCursor: null });
    await h.assign(clinician.orgId, sup.userId, clinician.userId);
    expect((await list('?limit=100', sup.token)).json.sessions.map((s) => s.id)).toEqual(ids);
    const otherOrg = await h.user('org_admin');
    expect((await list('', otherOrg.token)).json.sessions).toEqual([]);
    expect((await list('', null as never)).status).toBe(401);
  });

  it('refuses malformed queries with request.invalid', async () => {
    for (const q of ['?limit=0', '?limit=101', '?limit=x', '?status=done', '?cursor=not%20a%20cursor', `?cursor=${Buffer.from('x|y').toString('base64url')}`, '?from=yesterday', '?from=2026-04-01T00:00:00Z&to=2026-03-01T00:00:00Z', '?colour=red']) {
      const r = await list(q);
      expect({ q, status: r.status, code: r.json.code }).toEqual({ q, status: 400, code: 'request.invalid' });
    }
  });
});

describe('session list cursor and search', () => {
  it('round-trips a key and refuses anything else', () => {
    const k = { createdAt: '2026-12-04T21:15:56.123456Z', id: '0b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' };
    expect(decodeSessionCursor(encodeSessionCursor(k))).toEqual(k);
    expect(() => decodeSessionCursor(encodeSessionCursor({ ...k, createdAt: '2026-12-04T21:15:56Z' }))).toThrow(/not a cursor/);
    expect(() => decodeSessionCursor(encodeSessionCursor({ ...k, id: `${k.id}|x` }))).toThrow(/not a cursor/);
  });
  it('needs every word somewhere', () => {
    expect(matchesSearch('maya REYES', ['Follow-up', 'Dr. Maya Okafor', 'Daniel Reyes'])).toBe(true);
    expect(matchesSearch('maya smith', ['Follow-up', 'Dr. Maya Okafor', 'Daniel Reyes'])).toBe(false);
    expect(matchesSearch('  ', ['x'])).toBe(true);
    expect(matchesSearch('zoe', ['Zoë'])).toBe(true);
  });
});
