import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database';
import { seedOrg } from '../../testing/test-orgs';
import { getOrgPolicySettings, setOrgPolicySettings } from './org-policy-settings';
import { DEFAULT_SERVICE_CREDENTIAL_TTL_SEC, listServiceCredentials, mintServiceCredential, resolveServiceCredential, revokeServiceCredential, secretSha256 } from './service-credentials';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

async function superQuery<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: t.url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

describe('service credentials', () => {
  it('mints a secret shown once, stores only its sha256, and resolves it to the org across orgs', async () => {
    const a = await seedOrg(t.db);
    const { id, secret } = await mintServiceCredential(t.db, a.orgId, { name: 'worker', purposes: ['rubric_analysis'] });
    expect(secret).toMatch(/^fegw_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(secret).toContain(id.replace(/-/g, ''));
    const rows = await superQuery<{ secret_sha256: string }>('SELECT secret_sha256 FROM ai_service_credentials WHERE id = $1', [id]);
    expect(rows).toEqual([{ secret_sha256: secretSha256(secret) }]);
    expect(await resolveServiceCredential(t.db, secret)).toMatchObject({ credentialId: id, orgId: a.orgId, name: 'worker', purposes: ['rubric_analysis'] });
  });

  it('gives a credential minted without a lifetime the default of 90 days: none lives until revoked', async () => {
    const a = await seedOrg(t.db);
    const { secret, credential } = await mintServiceCredential(t.db, a.orgId, { name: 'integration' });
    const days = (Date.parse(credential.expiresAt) - Date.parse(credential.createdAt)) / 86_400_000;
    expect(days).toBeCloseTo(DEFAULT_SERVICE_CREDENTIAL_TTL_SEC / 86_400, 5);
    expect(days).toBe(90);
    expect((await resolveServiceCredential(t.db, secret))?.expiresAt).toBe(credential.expiresAt);
    // The column itself refuses "forever".
    await expect(superQuery('UPDATE ai_service_credentials SET expires_at = NULL WHERE id = $1', [credential.id])).rejects.toThrow(/null value/);
  });

  it('resolves an unknown or malformed secret to null', async () => {
    expect(await resolveServiceCredential(t.db, `fegw_${'0'.repeat(32)}_${'A'.repeat(43)}`)).toBeNull();
    expect(await resolveServiceCredential(t.db, 'dev-clinician-token')).toBeNull();
  });

  it('stops resolving a credential once revoked, and keeps it in the list with its revocation time', async () => {
    const a = await seedOrg(t.db);
    const { id, secret } = await mintServiceCredential(t.db, a.orgId, { name: 'old worker' });
    expect(await revokeServiceCredential(t.db, a.orgId, id)).toBe(true);
    expect(await resolveServiceCredential(t.db, secret)).toBeNull();
    const [listed] = await listServiceCredentials(t.db, a.orgId);
    expect(listed).toMatchObject({ id, name: 'old worker', purposes: null });
    expect(listed!.revokedAt).not.toBeNull();
  });

  it('stops resolving a credential after its expiry', async () => {
    const a = await seedOrg(t.db);
    const { id, secret } = await mintServiceCredential(t.db, a.orgId, { name: 'short', ttlSec: 3600 });
    expect((await resolveServiceCredential(t.db, secret))?.credentialId).toBe(id);
    await superQuery("UPDATE ai_service_credentials SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour' WHERE id = $1", [id]);
    expect(await resolveServiceCredential(t.db, secret)).toBeNull();
  });

  it("neither lists nor revokes another org's credential", async () => {
    const a = await seedOrg(t.db);
    const b = await seedOrg(t.db);
    const { id, secret } = await mintServiceCredential(t.db, a.orgId, { name: 'a worker' });
    expect(await listServiceCredentials(t.db, b.orgId)).toEqual([]);
    expect(await revokeServiceCredential(t.db, b.orgId, id)).toBe(false);
    expect(await resolveServiceCredential(t.db, secret)).not.toBeNull();
  });

  it('refuses an empty name or an empty purpose list', async () => {
    const a = await seedOrg(t.db);
    await expect(mintServiceCredential(t.db, a.orgId, { name: ' ' })).rejects.toThrow(/needs a name/);
    await expect(mintServiceCredential(t.db, a.orgId, { name: 'x', purposes: [] })).rejects.toThrow(/purposes/);
  });
});

describe('org policy settings', () => {
  it('are {} until set, then replaced as a whole and kept per org', async () => {
    const a = await seedOrg(t.db);
    const b = await seedOrg(t.db);
    expect(await getOrgPolicySettings(t.db, a.orgId)).toEqual({});
    await setOrgPolicySettings(t.db, a.orgId, { allowedModels: { rubric_analysis: ['gpt-4o-mini'] }, maxTokens: 512 });
    await setOrgPolicySettings(t.db, a.orgId, { maxTokens: 256 });
    expect(await getOrgPolicySettings(t.db, a.orgId)).toEqual({ maxTokens: 256 });
    expect(await getOrgPolicySettings(t.db, b.orgId)).toEqual({});
  });
});
