import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database';
import { seedOrg } from '../../testing/test-orgs';
import { createSessionWithParticipants, getSession, hasBothConsents, listSessions, recordConsent, setSessionStatus, type NewSession } from './sessions';

let t: TestDatabase;
let org: { orgId: string; userId: string };
beforeAll(async () => {
  t = await createTestDatabase();
  org = await seedOrg(t.db);
});
afterAll(() => t.drop());

function newSession(overrides: Partial<NewSession> = {}): NewSession {
  return {
    title: 'Intake',
    rubricId: 'general-communication',
    createdBy: org.userId,
    recordedAt: '2026-11-20T10:00:00.000Z',
    participants: [
      { channel: 1, displayName: 'Pat Patient', roleLabel: 'patient' },
      { channel: 0, displayName: 'Dr. Dee', roleLabel: 'clinician' },
    ],
    ...overrides,
  };
}

describe('sessions repository', () => {
  it('round-trips a session with its two participants ordered by channel', async () => {
    const created = await t.db.withOrg(org.orgId, (tx) => createSessionWithParticipants(tx, newSession()));
    const read = await t.db.withOrg(org.orgId, (tx) => getSession(tx, created.id));
    expect(read).toEqual(created);
    expect(read).toMatchObject({
      orgId: org.orgId,
      title: 'Intake',
      rubricId: 'general-communication',
      status: 'created',
      createdBy: org.userId,
      recordedAt: '2026-11-20T10:00:00.000Z',
      participants: [
        { channel: 0, displayName: 'Dr. Dee', roleLabel: 'clinician', consent: null },
        { channel: 1, displayName: 'Pat Patient', roleLabel: 'patient', consent: null },
      ],
    });
  });

  it('refuses a session without exactly one participant per channel', async () => {
    const one = newSession({ participants: [{ channel: 0, displayName: 'A', roleLabel: 'clinician' }] });
    const same = newSession({ participants: [{ channel: 0, displayName: 'A', roleLabel: 'x' }, { channel: 0, displayName: 'B', roleLabel: 'y' }] });
    await expect(t.db.withOrg(org.orgId, (tx) => createSessionWithParticipants(tx, one))).rejects.toMatchObject({ code: 'request.invalid' });
    await expect(t.db.withOrg(org.orgId, (tx) => createSessionWithParticipants(tx, same))).rejects.toMatchObject({ code: 'request.invalid' });
  });

  it('requires both participants to consent before hasBothConsents is true', async () => {
    const s = await t.db.withOrg(org.orgId, (tx) => createSessionWithParticipants(tx, newSession()));
    const [p0, p1] = s.participants;
    expect(await t.db.withOrg(org.orgId, (tx) => hasBothConsents(tx, s.id))).toBe(false);
    const consent = await t.db.withOrg(org.orgId, (tx) => recordConsent(tx, { participantId: p0!.id, givenAt: '2026-11-20T09:59:00.000Z', method: 'in_app_checkbox', textVersion: 'v1' }));
    expect(consent).toMatchObject({ participantId: p0!.id, givenAt: '2026-11-20T09:59:00.000Z', method: 'in_app_checkbox', textVersion: 'v1' });
    // Consenting twice on one channel is still one channel.
    await t.db.withOrg(org.orgId, (tx) => recordConsent(tx, { participantId: p0!.id, givenAt: new Date('2026-11-20T09:59:30.000Z'), method: 'verbal', textVersion: 'v1' }));
    expect(await t.db.withOrg(org.orgId, (tx) => hasBothConsents(tx, s.id))).toBe(false);
    await t.db.withOrg(org.orgId, (tx) => recordConsent(tx, { participantId: p1!.id, givenAt: '2026-11-20T09:59:40.000Z', method: 'verbal', textVersion: 'v1' }));
    expect(await t.db.withOrg(org.orgId, (tx) => hasBothConsents(tx, s.id))).toBe(true);
    const read = await t.db.withOrg(org.orgId, (tx) => getSession(tx, s.id));
    expect(read?.participants.map((p) => p.consent?.method)).toEqual(['verbal', 'verbal']);
  });

  it('records consents given at creation', async () => {
    const consent = { givenAt: '2026-11-20T09:00:00.000Z', method: 'in_app_checkbox', textVersion: 'v2' };
    const s = await t.db.withOrg(org.orgId, (tx) =>
      createSessionWithParticipants(tx, newSession({ participants: [{ channel: 0, displayName: 'A', roleLabel: 'clinician', consent }, { channel: 1, displayName: 'B', roleLabel: 'patient', consent }] })),
    );
    expect(s.participants.every((p) => p.consent?.textVersion === 'v2')).toBe(true);
    expect(await t.db.withOrg(org.orgId, (tx) => hasBothConsents(tx, s.id))).toBe(true);
  });

  it('moves status only from an allowed status when asked to (compare-and-set)', async () => {
    const s = await t.db.withOrg(org.orgId, (tx) => createSessionWithParticipants(tx, newSession()));
    const moved = await t.db.withOrg(org.orgId, (tx) => setSessionStatus(tx, s.id, 'recording_uploaded', { from: ['created'] }));
    expect(moved?.status).toBe('recording_uploaded');
    expect(await t.db.withOrg(org.orgId, (tx) => setSessionStatus(tx, s.id, 'recording_uploaded', { from: ['created'] }))).toBeNull();
    expect((await t.db.withOrg(org.orgId, (tx) => setSessionStatus(tx, s.id, 'evaluating')))?.status).toBe('evaluating');
    await expect(t.db.withOrg(org.orgId, (tx) => setSessionStatus(tx, s.id, 'bogus' as never))).rejects.toThrow(/check constraint/);
  });

  it('lists sessions newest first, filtered by creator and status', async () => {
    const other = await seedOrg(t.db);
    const all = await t.db.withOrg(org.orgId, (tx) => listSessions(tx));
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect([...all].sort((x, y) => y.createdAt.localeCompare(x.createdAt))).toEqual(all);
    expect(await t.db.withOrg(org.orgId, (tx) => listSessions(tx, { status: 'evaluating' }))).toHaveLength(1);
    expect(await t.db.withOrg(org.orgId, (tx) => listSessions(tx, { limit: 2 }))).toHaveLength(2);
    expect(await t.db.withOrg(org.orgId, (tx) => listSessions(tx, { createdBy: other.userId }))).toEqual([]);
  });

  it('returns null for an unknown or malformed session id', async () => {
    expect(await t.db.withOrg(org.orgId, (tx) => getSession(tx, '00000000-0000-4000-8000-000000000000'))).toBeNull();
    expect(await t.db.withOrg(org.orgId, (tx) => getSession(tx, 'not-a-uuid'))).toBeNull();
  });
});
