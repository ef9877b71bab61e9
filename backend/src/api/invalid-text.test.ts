import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { tusUpload } from '../testing/tus-upload';
import { createConsentedSession, createInvite, guestConsent, jsonCall } from '../signaling/signaling-fixtures';
import { listInvites } from '../db/repositories/invites';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => h?.close());

const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
const session = (over: { title?: string; name0?: string; role1?: string; textVersion?: string } = {}) => ({
  title: over.title ?? 'Follow-up visit',
  rubricId: 'motivational-interviewing',
  participants: [
    { channel: 0, displayName: over.name0 ?? 'Dr. Maya Okafor', roleLabel: 'Clinician', consent: { ...consent, textVersion: over.textVersion ?? 'consent-v1' } },
    { channel: 1, displayName: 'Daniel Reyes', roleLabel: over.role1 ?? 'Patient', consent },
  ],
});

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => path.join(d.parentPath, d.name));
  } catch {
    return [];
  }
}

describe('strings that cannot be stored', () => {
  it('refuses a session whose title, name, role label or consent version holds NUL, a lone surrogate or a control character with 400 request.invalid_text, storing nothing', async () => {
    const u = await h.user('clinician');
    const bad = [session({ title: 'Visit\u0000' }), session({ name0: 'Dr. \u0000Okafor' }), session({ role1: 'Pat\uD800ient' }), session({ textVersion: 'v1\u0000' }), session({ title: 'Two\nlines' }), session({ title: 'Bell\u0007' }), session({ name0: 'Low \uDC00 half' })];
    for (const body of bad) {
      const r = await jsonCall(h.url, 'POST', '/v1/sessions', u.token, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json).toMatchObject({ code: 'request.invalid_text', status: 400 });
    }
    expect((await jsonCall(h.url, 'GET', '/v1/sessions', u.token)).json.sessions).toEqual([]);
    // Paired surrogates (an emoji) and accents are text like any other.
    const ok = await jsonCall(h.url, 'POST', '/v1/sessions', u.token, session({ title: 'Visite de contrôle 🩺' }));
    expect(ok.status).toBe(201);
    expect(ok.json.title).toBe('Visite de contrôle 🩺');
  });

  it('refuses NUL in a consent recorded later, in any JSON key or value, and in the query string', async () => {
    const u = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, u.token);
    const c = await jsonCall(h.url, 'POST', `/v1/sessions/${sessionId}/consents`, u.token, { channel: 1, consent: { ...consent, textVersion: 'v\u00002' } });
    expect(c.json).toMatchObject({ status: 400, code: 'request.invalid_text' });
    // A key the schema would ignore still reaches the body check.
    const key = await jsonCall(h.url, 'POST', '/v1/sessions', u.token, { ...session(), 'extra\u0000': 1 });
    expect(key.json).toMatchObject({ status: 400, code: 'request.invalid_text' });
    const nested = await jsonCall(h.url, 'POST', `/v1/sessions/${sessionId}/evaluations`, u.token, { rubricId: 'x', deep: [[{ v: '\u0000' }]] });
    expect(nested.json).toMatchObject({ status: 400, code: 'request.invalid_text' });
    expect(nested.json.detail).toContain('deep[0][0].v');
    const q = await jsonCall(h.url, 'GET', '/v1/sessions?x=%00', u.token);
    expect(q.json).toMatchObject({ status: 400, code: 'request.invalid_text' });
    const p = await jsonCall(h.url, 'GET', '/v1/sessions/%00', u.token);
    expect(p.json).toMatchObject({ status: 400, code: 'request.invalid_text' });
    const view = (await jsonCall(h.url, 'GET', `/v1/sessions/${sessionId}`, u.token)).json;
    expect(view.status).toBe('created');
  });

  it('refuses a guest whose name or code holds NUL with request.invalid_text, keeping the invite unredeemed', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const invite = await createInvite(h.url, owner.token, sessionId);
    for (const body of [
      { code: invite.code, displayName: 'Dan\u0000iel', consent: guestConsent },
      { code: `${invite.code}\u0000`, displayName: 'Daniel', consent: guestConsent },
      { code: invite.code, displayName: 'Daniel', consent: { ...guestConsent, textVersion: '\uD83D' } },
    ]) {
      const r = await jsonCall(h.url, 'POST', '/v1/join', null, body);
      expect(r.json).toMatchObject({ status: 400, code: 'request.invalid_text' });
    }
    const [stored] = await h.tdb.db.withOrg(owner.orgId, (tx) => listInvites(tx, sessionId));
    expect(stored!.redemptions).toBe(0);
  });

  it('refuses an upload whose filename holds NUL when it is created, before any byte or blob is written', async () => {
    const u = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, u.token);
    const before = filesUnder(path.join(h.dir, 'blobs'));
    const res = await fetch(`${h.url}/v1/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${u.token}`,
        'tus-resumable': '1.0.0',
        'upload-length': '1000',
        'upload-metadata': `sessionId ${Buffer.from(sessionId).toString('base64')},sha256 ${Buffer.from('a'.repeat(64)).toString('base64')},filename ${Buffer.from('rec\u0000.wav').toString('base64')}`,
      },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(await res.text())).toMatchObject({ code: 'request.invalid_text' });
    expect(filesUnder(path.join(h.dir, 'uploads')).filter((f) => !f.endsWith('.lock'))).toEqual([]);
    expect(filesUnder(path.join(h.dir, 'blobs'))).toEqual(before);
    // The same client without the NUL gets as far as the content checks.
    const r = await tusUpload({ endpoint: `${h.url}/v1/uploads`, token: u.token, file: Buffer.alloc(1000), sessionId });
    expect(r.ok).toBe(false);
    expect(JSON.parse(r.body!).code).not.toBe('request.invalid_text');
  });
});
