import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKeyVaultTestServer, type KeyVaultTestServer } from '../testing/key-vault-test-server';
import { createSessionWithParticipants, getSession } from '../db/repositories/sessions';
import { createDatabase } from '../db/database';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { seedOrg } from '../testing/test-orgs';
import { createAzureKeyVaultProvider } from './azure-key-vault';
import { createDataKeys } from './data-keys';
import { rewrapDataKeys } from './key-rotation';

let kv: KeyVaultTestServer;
beforeAll(async () => {
  kv = await startKeyVaultTestServer();
});
afterAll(async () => kv?.close());

const provider = (o: { clientSecret?: string; versionCacheMs?: number } = {}) =>
  createAzureKeyVaultProvider({ keyUrl: kv.keyUrl, tenantId: kv.tenantId, clientId: kv.clientId, clientSecret: o.clientSecret ?? kv.clientSecret, authorityHost: kv.url, versionCacheMs: o.versionCacheMs });

describe('Azure Key Vault key provider (against a local stand-in speaking its wire format)', () => {
  it('wraps and unwraps a data key with RSA-OAEP-256 through wrapkey/unwrapkey, with a bearer token from the client-credentials grant', async () => {
    const p = provider();
    const dek = randomBytes(32);
    const w = await p.wrap(dek);
    expect(w).toMatchObject({ kekId: kv.keyUrl, kekVersion: kv.versions()[0], algorithm: 'RSA-OAEP-256' });
    expect(w.wrapped.length).toBe(256);
    expect((await p.unwrap(w)).equals(dek)).toBe(true);

    const tokenCalls = kv.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token'));
    expect(tokenCalls).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(tokenCalls[0]!.body))).toMatchObject({ grant_type: 'client_credentials', client_id: kv.clientId, scope: expect.stringMatching(/\/\.default$/) });
    const wrap = kv.requests.find((r) => r.path.endsWith('/wrapkey'))!;
    expect(wrap).toMatchObject({ method: 'POST', path: `/keys/fe-kek/${w.kekVersion}/wrapkey`, query: { 'api-version': '7.4' }, headers: { authorization: expect.stringMatching(/^Bearer \S+$/), 'content-type': 'application/json' } });
    const sent = JSON.parse(wrap.body) as { alg: string; value: string };
    expect(sent.alg).toBe('RSA-OAEP-256');
    expect(Buffer.from(sent.value, 'base64url').equals(dek)).toBe(true);
    const unwrap = kv.requests.find((r) => r.path.endsWith('/unwrapkey'))!;
    expect(JSON.parse(unwrap.body)).toEqual({ alg: 'RSA-OAEP-256', value: w.wrapped.toString('base64url') });
  });

  it('reports a refused credential or a disabled key version as crypto.key_unavailable', async () => {
    await expect(provider({ clientSecret: 'wrong' }).wrap(randomBytes(32))).rejects.toMatchObject({ code: 'crypto.key_unavailable', message: expect.stringMatching(/401.*invalid_client/) });
    const spare = kv.rotate();
    const p = provider({ versionCacheMs: 0 });
    const w = await p.wrap(randomBytes(32));
    expect(w.kekVersion).toBe(spare);
    kv.disable(spare);
    await expect(p.unwrap(w)).rejects.toMatchObject({ code: 'crypto.key_unavailable', message: expect.stringMatching(/403/) });
    kv.rotate();
  });

  it('refuses a plain-http vault URL that is not loopback', () => {
    expect(() => createAzureKeyVaultProvider({ keyUrl: 'http://example.vault.azure.net/keys/k', tenantId: 't', clientId: 'c', clientSecret: 's', authorityHost: 'https://login.microsoftonline.com' })).toThrow(/https/);
  });

  describe('behind per-org data keys', () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await createTestDatabase();
    });
    afterAll(async () => t?.drop());

    it('seals columns with data keys the vault wrapped, and rotation re-wraps them under the vault key’s new version', async () => {
      const keys = createDataKeys({ provider: provider({ versionCacheMs: 0 }), cacheMs: 0 });
      const db = createDatabase(t.url, { max: 2, keys });
      try {
        const { orgId, userId } = await seedOrg(db, { name: 'Vault Clinic' });
        const s = await db.withOrg(orgId, (tx) => createSessionWithParticipants(tx, { title: 'Vault visit', rubricId: 'mi', createdBy: userId, participants: [{ channel: 0, displayName: 'Dr. V', roleLabel: 'Clinician' }, { channel: 1, displayName: 'Vera Vault', roleLabel: 'Patient' }] }));
        const first = (await db.withOrg(orgId, (tx) => tx.query<{ kek_provider: string; kek_id: string; kek_version: string }>('SELECT kek_provider, kek_id, kek_version FROM data_keys'))).rows;
        const before = kv.versions().at(-1)!;
        expect(first).toEqual([{ kek_provider: 'azure-key-vault', kek_id: kv.keyUrl, kek_version: before }]);

        const next = kv.rotate();
        const r = await rewrapDataKeys(db, [orgId], { provider: keys.provider });
        expect(r).toMatchObject({ rewrapped: 1, current: { kekVersion: next } });
        kv.disable(before); // the old version is retired in the vault: nothing needs it any more
        expect((await db.withOrg(orgId, (tx) => getSession(tx, s.id)))?.participants[1]?.displayName).toBe('Vera Vault');
        expect(kv.requests.some((q) => q.path === `/keys/fe-kek/${next}/unwrapkey`)).toBe(true);
      } finally {
        await db.close();
      }
    });
  });
});
