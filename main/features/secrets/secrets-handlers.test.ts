import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../../backend/src/testing/api-harness';
import { createAesGcmCipher, createEncryptedFileSecretStore } from '../../services/secret-store';
import { createSessionTokens } from '../../services/session-tokens';
import { createSecretsHandlers } from './secrets-handlers';

// The renderer's view of the token through the IPC handlers, against the real API (access tokens live 2 s).
let h: ApiHarness;
let dir: string;
beforeAll(async () => {
  h = await startApiHarness({ desktopLifetimes: { accessTtlSec: 2 } });
  dir = mkdtempSync(path.join(os.tmpdir(), 'fe-secrets-handlers-'));
}, 60_000);
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function signedIn() {
  const u = await h.user('clinician');
  const tokens = await h.tdb.db.withOrg(u.orgId, (tx) => h.desktopSessions.start(tx, { userId: u.userId }));
  const secrets = createEncryptedFileSecretStore({ file: path.join(dir, `${randomBytes(4).toString('hex')}.json`), cipher: createAesGcmCipher(randomBytes(32)) });
  const session = createSessionTokens({ secrets, apiBase: () => h.url, earlyMs: 500 });
  await session.save(tokens);
  return { tokens, handlers: createSecretsHandlers({ secrets, session }) };
}
const me = async (token: string | null) => (await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status;

describe('the renderer\'s access token through the secrets handlers', () => {
  it('secrets:get answers a refreshed token once the stored one expired', async () => {
    const s = await signedIn();
    expect((await s.handlers['secrets:get']({ name: 'api.token' })).value).toBe(s.tokens.accessToken);
    await new Promise((r) => setTimeout(r, 1700));
    const { value } = await s.handlers['secrets:get']({ name: 'api.token' });
    expect(value).not.toBe(s.tokens.accessToken);
    expect(await me(value)).toBe(200);
  });

  it('secrets:delete of the token is the sign-out: the server revokes the sign-in', async () => {
    const s = await signedIn();
    expect(await s.handlers['secrets:delete']({ name: 'api.token' })).toEqual({ deleted: true });
    expect(await me(s.tokens.accessToken)).toBe(401);
    expect((await s.handlers['secrets:get']({ name: 'api.token' })).value).toBeNull();
  });
});
