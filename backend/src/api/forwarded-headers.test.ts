import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { createConsentedSession } from '../signaling/signaling-fixtures';

let direct: ApiHarness;
let proxied: ApiHarness;
beforeAll(async () => {
  direct = await startApiHarness({ limits: { signIn: { failures: 3, windowSec: 60 } } });
  // Behind a reverse proxy on this machine (the test speaks as that proxy).
  proxied = await startApiHarness({ trustedProxies: ['loopback'] });
});
afterAll(async () => {
  await direct?.close();
  await proxied?.close();
});

async function createUpload(h: ApiHarness, headers: Record<string, string>): Promise<{ status: number; location: string | null }> {
  const u = await h.user('clinician');
  const sessionId = await createConsentedSession(h.url, u.token);
  const meta = `sessionId ${Buffer.from(sessionId).toString('base64')},sha256 ${Buffer.from('a'.repeat(64)).toString('base64')}`;
  const r = await fetch(`${h.url}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${u.token}`, 'tus-resumable': '1.0.0', 'upload-length': '1000', 'upload-metadata': meta, ...headers } });
  return { status: r.status, location: r.headers.get('location') };
}

describe('forwarded headers', () => {
  it('ignores X-Forwarded-Host/Proto and Forwarded from a client that is not a trusted proxy: the upload Location stays on the API', async () => {
    for (const spoof of [{ 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }, { forwarded: 'host=evil.example;proto=https' }] as Record<string, string>[]) {
      const r = await createUpload(direct, spoof);
      expect(r.status).toBe(201);
      expect(r.location).toMatch(new RegExp(`^${direct.url}/v1/uploads/[^/]+$`));
      expect(r.location).not.toContain('evil.example');
    }
  });

  it('does not let a client escape the sign-in limit by inventing X-Forwarded-For addresses', async () => {
    const u = await direct.user('clinician');
    const me = (token: string, i: number) => fetch(`${direct.url}/v1/me`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': `203.0.113.${i}` } });
    for (let i = 0; i < 3; i++) expect((await me(`bad-${i}`, i)).status).toBe(401);
    expect((await me('bad-3', 3)).status).toBe(429);
    // Every request came from 127.0.0.1, whatever the header said: that address is blocked now.
    expect((await me(u.token, 99)).status).toBe(429);
  });

  it('believes a trusted proxy: the upload Location names the host and scheme it was asked for', async () => {
    const r = await createUpload(proxied, { 'x-forwarded-host': 'feedback.example.org', 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.7' });
    expect(r.status).toBe(201);
    expect(r.location).toMatch(/^https:\/\/feedback\.example\.org\/v1\/uploads\/[^/]+$/);
  });

  it('uses FE_PUBLIC_URL for upload locations whatever the headers say', async () => {
    const h = await startApiHarness({ publicUrl: 'https://public.example.org', trustedProxies: ['loopback'] });
    try {
      const r = await createUpload(h, { 'x-forwarded-host': 'other.example', 'x-forwarded-proto': 'http' });
      expect(r.location).toMatch(/^https:\/\/public\.example\.org\/v1\/uploads\/[^/]+$/);
    } finally {
      await h.close();
    }
  });
});
