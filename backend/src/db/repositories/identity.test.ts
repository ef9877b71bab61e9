import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database';
import { seedOrg } from '../../testing/test-orgs';
import { databaseTokenResolver } from '../../api/token-resolver';
import { addApiToken, devOrgId, ensureDevIdentity, findUserByEmail, getOrg, listApiTokens, listRoles, resolveApiToken, revokeApiToken, revokeUserApiTokens, tokenSha256 } from './identity';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const dev = { orgName: 'Dev Clinic', userEmail: 'dev@clinic.test', displayName: 'Dev Clinician', role: 'clinician' as const, token: 'dev-token-123' };

describe('identity repository', () => {
  it('creates the dev identity once and finds the same org and user on every later start', async () => {
    const first = await ensureDevIdentity(t.db, dev);
    const second = await ensureDevIdentity(t.db, { ...dev, displayName: 'Renamed' });
    expect(first).toMatchObject({ orgId: devOrgId('Dev Clinic'), orgName: 'Dev Clinic', email: 'dev@clinic.test', roles: ['clinician'] });
    expect(second.orgId).toBe(first.orgId);
    expect(second.userId).toBe(first.userId);
    expect(second.displayName).toBe('Renamed');
    const org = await t.db.withOrg(first.orgId, (tx) => getOrg(tx));
    expect(org?.name).toBe('Dev Clinic');
  });

  it('resolves a bearer token to its org, user and roles across orgs, and an unknown token to null', async () => {
    const identity = await ensureDevIdentity(t.db, { ...dev, orgName: 'Other Clinic', userEmail: 'sup@other.test', role: 'supervisor', token: 'other-token' });
    expect(await resolveApiToken(t.db, 'other-token')).toEqual(identity);
    expect((await resolveApiToken(t.db, 'dev-token-123'))?.orgName).toBe('Dev Clinic');
    expect(await resolveApiToken(t.db, 'not-a-token')).toBeNull();
  });

  it('stores only the sha256 of a token', async () => {
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    const { rows } = await client.query<{ token_sha256: string }>('SELECT token_sha256 FROM api_tokens');
    await client.end();
    expect(rows.map((r) => r.token_sha256)).toContain(tokenSha256('dev-token-123'));
    expect(JSON.stringify(rows)).not.toContain('dev-token-123');
  });

  it('accumulates roles and lets a second token name the same user', async () => {
    const s = await seedOrg(t.db, { role: 'clinician' });
    await t.db.withOrg(s.orgId, async (tx) => {
      await addApiToken(tx, { userId: s.userId, token: 'second-token' });
      await tx.query("INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, 'auditor')", [s.orgId, s.userId]);
    });
    expect(await t.db.withOrg(s.orgId, (tx) => listRoles(tx, s.userId))).toEqual(['auditor', 'clinician']);
    expect((await resolveApiToken(t.db, 'second-token'))?.roles).toEqual(['auditor', 'clinician']);
  });

  it('rejects a role outside clinician, supervisor, org_admin and auditor', async () => {
    const s = await seedOrg(t.db);
    await expect(t.db.withOrg(s.orgId, (tx) => tx.query("INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, 'root')", [s.orgId, s.userId]))).rejects.toThrow(/check constraint/);
  });

  it('lets the cross-org resolver role read identities only, and nothing else', async () => {
    const s = await seedOrg(t.db);
    expect(await t.db.withOrg(s.orgId, (tx) => findUserByEmail(tx, dev.userEmail))).toBeNull();
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    const { rows } = await client.query<{ tbl: string; sel: boolean; ins: boolean; upd: boolean; del: boolean }>(
      `SELECT tbl, has_table_privilege('fe_identity_resolver', tbl, 'SELECT') AS sel, has_table_privilege('fe_identity_resolver', tbl, 'INSERT') AS ins,
              has_table_privilege('fe_identity_resolver', tbl, 'UPDATE') AS upd, has_table_privilege('fe_identity_resolver', tbl, 'DELETE') AS del
       FROM unnest(ARRAY['orgs', 'users', 'memberships', 'api_tokens', 'sessions', 'consents', 'recordings', 'transcripts', 'audit_events']) AS tbl`,
    );
    await client.end();
    const readable = rows.filter((r) => r.sel).map((r) => r.tbl);
    expect(readable.sort()).toEqual(['api_tokens', 'memberships', 'orgs', 'users']);
    expect(rows.some((r) => r.ins || r.upd || r.del)).toBe(false);
  });

  it('replaces the dev identity when its token, role or email changes: the old token stops working and roles do not pile up', async () => {
    const base = { ...dev, orgName: 'Replaced Clinic', token: 'first-dev-token' };
    const first = await ensureDevIdentity(t.db, base);
    const second = await ensureDevIdentity(t.db, { ...base, token: 'second-dev-token', role: 'org_admin' });
    expect(second.userId).toBe(first.userId);
    expect(second.roles).toEqual(['org_admin']);
    expect(await resolveApiToken(t.db, 'first-dev-token')).toBeNull();
    expect((await resolveApiToken(t.db, 'second-dev-token'))?.roles).toEqual(['org_admin']);
    // A new FE_DEV_USER_EMAIL is a new user; the previous user's dev token is revoked too.
    const third = await ensureDevIdentity(t.db, { ...base, userEmail: 'new-dev@clinic.test', token: 'third-dev-token' });
    expect(third.userId).not.toBe(first.userId);
    expect(await resolveApiToken(t.db, 'second-dev-token')).toBeNull();
    const tokens = await t.db.withOrg(first.orgId, (tx) => listApiTokens(tx, first.userId));
    expect(tokens.map((x) => [x.kind, x.revokedAt !== null])).toEqual([
      ['dev', true],
      ['dev', true],
    ]);
  });

  it('accepts a dev token only as the current FE_DEV_TOKEN of an embedded deployment', async () => {
    await ensureDevIdentity(t.db, { ...dev, orgName: 'Resolver Clinic', token: 'resolver-dev-token' });
    // Say FE_DEV_ORG changed: the token of the earlier dev org is still in the database, unrevoked.
    await ensureDevIdentity(t.db, { ...dev, orgName: 'Resolver Clinic 2', token: 'resolver-dev-token-2' });
    expect(await databaseTokenResolver(t.db, { devToken: 'resolver-dev-token-2' }).resolve('resolver-dev-token')).toBeNull();
    expect((await databaseTokenResolver(t.db, { devToken: 'resolver-dev-token-2' }).resolve('resolver-dev-token-2'))?.orgName).toBe('Resolver Clinic 2');
    // External database (no dev identity configured): no dev token signs in.
    expect(await databaseTokenResolver(t.db).resolve('resolver-dev-token-2')).toBeNull();
    // Ordinary API tokens are not affected by the dev rule.
    const s = await seedOrg(t.db);
    await t.db.withOrg(s.orgId, (tx) => addApiToken(tx, { userId: s.userId, token: 'plain-api-token' }));
    expect((await databaseTokenResolver(t.db).resolve('plain-api-token'))?.userId).toBe(s.userId);
  });

  it('gives every API token an expiry, refuses it once expired, and refuses a revoked one', async () => {
    const s = await seedOrg(t.db);
    const minted = await t.db.withOrg(s.orgId, (tx) => addApiToken(tx, { userId: s.userId, token: 'thirty-days' }));
    const days = (Date.parse(minted.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    await t.db.withOrg(s.orgId, (tx) => addApiToken(tx, { userId: s.userId, token: 'expired-token', expiresAt: new Date(Date.now() - 1000) }));
    expect(await resolveApiToken(t.db, 'expired-token')).toBeNull();
    expect(await resolveApiToken(t.db, 'thirty-days')).not.toBeNull();
    expect(await t.db.withOrg(s.orgId, (tx) => revokeApiToken(tx, minted.id))).toBe(true);
    expect(await t.db.withOrg(s.orgId, (tx) => revokeApiToken(tx, minted.id))).toBe(false);
    expect(await resolveApiToken(t.db, 'thirty-days')).toBeNull();
    await t.db.withOrg(s.orgId, async (tx) => {
      await addApiToken(tx, { userId: s.userId, token: 'laptop' });
      await addApiToken(tx, { userId: s.userId, token: 'phone' });
    });
    expect(await t.db.withOrg(s.orgId, (tx) => revokeUserApiTokens(tx, s.userId))).toBe(2);
    expect(await resolveApiToken(t.db, 'laptop')).toBeNull();
    expect(await resolveApiToken(t.db, 'phone')).toBeNull();
    // Another org cannot revoke this org's tokens (row-level security).
    const other = await seedOrg(t.db);
    await t.db.withOrg(s.orgId, (tx) => addApiToken(tx, { userId: s.userId, token: 'kept' }));
    const [kept] = (await t.db.withOrg(s.orgId, (tx) => listApiTokens(tx, s.userId))).filter((x) => !x.revokedAt);
    expect(await t.db.withOrg(other.orgId, (tx) => revokeApiToken(tx, kept!.id))).toBe(false);
    expect(await resolveApiToken(t.db, 'kept')).not.toBeNull();
  });
});
