import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addApiToken } from '../db/repositories/identity';
import { listAuditEvents } from '../db/repositories/audit';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { issueScimCredential } from './scim-credential';

let h: ApiHarness;
let orgId: string;
let scimToken: string;
beforeAll(async () => {
  h = await startApiHarness();
  orgId = (await h.user('org_admin')).orgId;
  scimToken = await issueScimCredential(h.tdb.db, orgId, { 'FE Supervisors': 'supervisor' });
});
afterAll(async () => h?.close());

/** What an IdP's SCIM client sends: application/scim+json with the org's bearer credential. */
async function scim(method: string, path: string, body?: unknown, token = scimToken) {
  const res = await fetch(`${h.url}/scim/v2${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: (text ? JSON.parse(text) : null) as Record<string, unknown> & { Resources?: Record<string, unknown>[] } };
}
const me = async (token: string) => (await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status;
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('SCIM 2.0 provisioning against real PostgreSQL', () => {
  it('create → get → filter → group patch (role) → deactivate: the user\'s tokens are 401 at once', async () => {
    const created = await scim('POST', '/Users', { schemas: [USER], userName: 'Nurse.Jane@Example.org', externalId: 'okta-00u1', name: { givenName: 'Jane', familyName: 'Doe' }, emails: [{ value: 'nurse.jane@example.org', primary: true }], active: true });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.type).toMatch(/^application\/scim\+json/);
    const id = created.json.id as string;
    expect(created.json).toMatchObject({ userName: 'nurse.jane@example.org', externalId: 'okta-00u1', displayName: 'Jane Doe', active: true, meta: { resourceType: 'User' } });
    expect((await scim('POST', '/Users', { schemas: [USER], userName: 'nurse.jane@example.org' })).json).toMatchObject({ status: '409', scimType: 'uniqueness', code: 'scim.conflict' });

    expect((await scim('GET', `/Users/${id}`)).json).toMatchObject({ id, userName: 'nurse.jane@example.org' });
    const found = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "nurse.jane@example.org"')}`);
    expect(found.json).toMatchObject({ totalResults: 1 });
    expect(found.json.Resources![0]!.id).toBe(id);
    expect((await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody@example.org"')}`)).json).toMatchObject({ totalResults: 0 });

    // A group whose displayName the org maps to supervisor; membership patched in, as Entra ID does.
    const group = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'FE Supervisors', members: [] });
    expect(group.status, JSON.stringify(group.json)).toBe(201);
    const added = await scim('PATCH', `/Groups/${group.json.id as string}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] });
    expect(added.status, JSON.stringify(added.json)).toBe(200);
    expect(added.json.members).toEqual([expect.objectContaining({ value: id })]);

    // The user signs in (here: a token as an SSO sign-in would issue) and has the group's role.
    const token = `t-scim-${id}`;
    await h.tdb.db.withOrg(orgId, (tx) => addApiToken(tx, { userId: id, token }));
    const who = await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await who.json()) as { roles: string[] }).roles).toEqual(['supervisor']);
    expect((await scim('GET', `/Users/${id}`)).json.groups).toEqual([expect.objectContaining({ value: group.json.id, display: 'FE Supervisors' })]);

    const removed = await scim('PATCH', `/Groups/${group.json.id as string}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] });
    expect(removed.status, JSON.stringify(removed.json)).toBe(200);
    expect(((await (await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { roles: string[] }).roles).toEqual([]);
    await scim('PATCH', `/Groups/${group.json.id as string}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] });

    // Deactivation (Okta and Entra ID both send PATCH active=false): the very next request is 401.
    const off = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(off.status, JSON.stringify(off.json)).toBe(200);
    expect(off.json.active).toBe(false);
    expect(await me(token)).toBe(401);
    // Reactivation does not bring revoked tokens back.
    expect((await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] })).json.active).toBe(true);
    expect(await me(token)).toBe(401);

    const actions = (await h.tdb.db.withOrg(orgId, (tx) => listAuditEvents(tx))).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['scim.user_provisioned', 'scim.group_provisioned', 'scim.roles_set', 'scim.user_deactivated']));
  });

  it('deactivation (PATCH active=false, as Okta and Entra ID send it) revokes the desktop refresh tokens for good and closes the user\'s open /v1/events socket at once', async () => {
    const created = await scim('POST', '/Users', { schemas: [USER], userName: 'desk.top@example.org', active: true });
    const id = created.json.id as string;
    const group = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'FE Supervisors', members: [{ value: id }] });
    expect(group.status === 201 || group.status === 409, JSON.stringify(group.json)).toBe(true);
    if (group.status === 409) {
      const g = (await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "FE Supervisors"')}`)).json.Resources![0]!;
      await scim('PATCH', `/Groups/${g.id as string}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] });
    }
    // A desktop sign-in's tokens: an access token and the first refresh token of its family.
    const access = `t-desk-${id}`;
    await h.tdb.db.withOrg(orgId, (tx) => addApiToken(tx, { userId: id, token: access }));
    const desktop = await h.desktopSessions.begin(orgId, { userId: id, accessToken: access });
    const refresh = (refreshToken: string) => fetch(`${h.url}/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
    const rotated = await refresh(desktop.refreshToken);
    expect(rotated.status).toBe(200);
    const live = (await rotated.json()) as { accessToken: string; refreshToken: string };

    // The socket is open (greeting received) before the deactivation.
    const ws = new WebSocket(`${h.url.replace(/^http/, 'ws')}/v1/events`, { headers: { authorization: `Bearer ${live.accessToken}` } });
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('unexpected-response', (_q, r) => reject(new Error(`events refused: ${r.statusCode}`)));
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));

    const off = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(off.status, JSON.stringify(off.json)).toBe(200);
    // The hub's heartbeat is 30 s: closed well before it, by the re-check SCIM's change triggers.
    const t0 = Date.now();
    const got = await Promise.race([closed, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
    expect(got).toEqual({ code: 4401, reason: 'auth.invalid' });
    expect(Date.now() - t0).toBeLessThan(5000);

    // Reactivated: the refresh token revoked at deactivation stays revoked (a new sign-in is needed).
    expect((await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] })).json.active).toBe(true);
    const after = await refresh(live.refreshToken);
    expect(after.status).toBe(401);
    expect(((await after.json()) as { code: string }).code).toBe('auth.refresh_invalid');
    expect(await me(live.accessToken)).toBe(401);
    const audit = (await h.tdb.db.withOrg(orgId, (tx) => listAuditEvents(tx))).find((e) => e.action === 'scim.user_deactivated' && e.targetId === id);
    expect((audit?.data as { revokedRefreshTokens?: number } | undefined)?.revokedRefreshTokens).toBeGreaterThan(0);
  });

  it('a user inactive in the database signs in nowhere, even with a token issued afterwards', async () => {
    const created = await scim('POST', '/Users', { schemas: [USER], userName: 'gone@example.org', active: false });
    expect(created.status).toBe(201);
    const token = 't-scim-inactive';
    await h.tdb.db.withOrg(orgId, (tx) => addApiToken(tx, { userId: created.json.id as string, token }));
    expect(await me(token)).toBe(401);
  });

  it('DELETE hides the user from SCIM (404 after) and its tokens stop working', async () => {
    const created = await scim('POST', '/Users', { schemas: [USER], userName: 'leaver@example.org' });
    const id = created.json.id as string;
    const token = 't-scim-leaver';
    await h.tdb.db.withOrg(orgId, (tx) => addApiToken(tx, { userId: id, token }));
    expect(await me(token)).toBe(200);
    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(204);
    expect(await me(token)).toBe(401);
    expect((await scim('GET', `/Users/${id}`)).json).toMatchObject({ status: '404', code: 'scim.not_found' });
  });

  it('refuses a missing, wrong or other org\'s credential, and a user token, with a SCIM 401', async () => {
    const other = await h.user('org_admin');
    const otherScim = await issueScimCredential(h.tdb.db, other.orgId, {});
    // Another org's SCIM credential sees only its own org: not this org's users.
    const list = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "leaver@example.org"')}`, undefined, otherScim);
    expect(list.json).toMatchObject({ totalResults: 0 });
    const forged = `fe_scim_${orgId}.${'x'.repeat(43)}`;
    for (const token of [forged, other.token, '']) {
      const r = await scim('GET', '/Users', undefined, token);
      expect([r.status, r.json.code], token).toEqual([401, 'auth.scim_credential_invalid']);
    }
    // Minting a new credential retires the old one.
    const old = scimToken;
    scimToken = await issueScimCredential(h.tdb.db, orgId, { 'FE Supervisors': 'supervisor' });
    expect((await scim('GET', '/Users', undefined, old)).status).toBe(401);
    expect((await scim('GET', '/Users')).status).toBe(200);
  });
});
