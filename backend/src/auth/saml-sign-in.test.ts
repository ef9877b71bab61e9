import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { createSamlKeyPair, startSamlTestIdp, testSpKeys, type AssertionOptions, type SamlTestIdp } from '../testing/saml-test-idp';
import { putSamlProvider } from '../db/repositories/saml';
import { parseIdpMetadata } from './saml-idp-metadata';

let h: ApiHarness;
let idp: SamlTestIdp;
let orgId: string;
beforeAll(async () => {
  h = await startApiHarness();
  idp = await startSamlTestIdp((await testSpKeys()).cert);
  orgId = (await h.user('org_admin')).orgId;
  // Configured the way an admin would: from the IdP's metadata document.
  const md = parseIdpMetadata(idp.metadata());
  await h.tdb.db.withOrg(orgId, (tx) => putSamlProvider(tx, { idpEntityId: md.entityId, ssoUrl: md.ssoUrl, idpCerts: md.certs, emailAttribute: 'email', roleAttribute: 'groups', roleMap: { 'fe-supervisors': 'supervisor', 'fe-clinicians': 'clinician' }, defaultRole: null, allowedDomains: ['clinic.example'] }));
});
afterAll(async () => h?.close());

/** SP-initiated: the browser follows /start to the IdP; returns what the IdP received. */
async function startSignIn() {
  const res = await fetch(`${h.url}/v1/auth/saml/${orgId}/start`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = res.headers.get('location')!;
  expect(location.startsWith(`${idp.ssoUrl}?`)).toBe(true);
  return idp.readRequest(location);
}

/** The browser auto-posts the IdP's form to the ACS. */
async function post(samlResponse: string) {
  const res = await fetch(`${h.url}/v1/auth/saml/${orgId}/acs`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ SAMLResponse: samlResponse }).toString() });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function signIn(o: Partial<AssertionOptions> = {}) {
  const req = await startSignIn();
  const response = idp.respond(req, { email: 'sam.super@clinic.example', groups: ['fe-supervisors'], ...o });
  return { req, response, result: await post(response) };
}

describe('SAML 2.0 service provider against a local IdP that signs with a generated key', () => {
  it('publishes SP metadata: entity id, ACS (HTTP-POST), signed AuthnRequests, the signing certificate', async () => {
    const res = await fetch(`${h.url}/v1/auth/saml/${orgId}/metadata`);
    expect(res.headers.get('content-type')).toMatch(/^application\/samlmetadata\+xml/);
    const xml = await res.text();
    expect(xml).toContain(`entityID="${h.url}/v1/auth/saml/${orgId}/metadata"`);
    expect(xml).toMatch(/AuthnRequestsSigned="true"/);
    expect(xml).toMatch(/WantAssertionsSigned="true"/);
    expect(xml).toContain(`Location="${h.url}/v1/auth/saml/${orgId}/acs"`);
    expect(xml).toContain((await testSpKeys()).cert.split('\n')[1]!.slice(0, 40));
  });

  it('SP-initiated sign-in: a signed AuthnRequest, then the signed assertion creates the user just in time with the mapped role', async () => {
    const { req, result } = await signIn();
    expect(req.signatureValid).toBe(true);
    expect(req.sigAlg).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(req.acsUrl).toBe(`${h.url}/v1/auth/saml/${orgId}/acs`);
    expect(result.status, JSON.stringify(result.json)).toBe(200);
    expect(result.json).toMatchObject({ created: true, identity: { orgId, email: 'sam.super@clinic.example', displayName: 'Test Person', roles: ['supervisor'] } });
    const me = await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${result.json.token as string}` } });
    expect(((await me.json()) as { roles: string[] }).roles).toEqual(['supervisor']);
    // The second sign-in finds the same user (linked by IdP entity id + NameID), roles as mapped now.
    const again = await signIn({ groups: ['fe-clinicians'] });
    expect(again.result.json).toMatchObject({ created: false, identity: { userId: (result.json.identity as { userId: string }).userId, roles: ['clinician'] } });
  });

  it('refuses a replayed assertion: auth.saml_assertion_replayed', async () => {
    const { response, result } = await signIn();
    expect(result.status).toBe(200);
    expect((await post(response)).json).toMatchObject({ status: 401, code: 'auth.saml_assertion_replayed' });
  });

  it('refuses a bad signature: an assertion changed after signing, and one signed by another key', async () => {
    const tampered = await signIn({ tamper: (x) => x.replace('fe-clinicians', 'fe-supervisors').replace('sam.super@', 'mallory@'), groups: ['fe-clinicians'] });
    expect(tampered.result.json).toMatchObject({ status: 401, code: 'auth.saml_signature_invalid' });
    const forged = await signIn({ signWith: await createSamlKeyPair('Forger') });
    expect(forged.result.json).toMatchObject({ status: 401, code: 'auth.saml_signature_invalid' });
  });

  it('refuses an expired assertion: auth.saml_assertion_expired', async () => {
    const { result } = await signIn({ issuedAt: new Date(Date.now() - 20 * 60_000), notOnOrAfter: new Date(Date.now() - 10 * 60_000) });
    expect(result.json).toMatchObject({ status: 401, code: 'auth.saml_assertion_expired' });
  });

  it('refuses another audience, another recipient, and a response to no AuthnRequest of ours', async () => {
    expect((await signIn({ audience: 'https://other-sp.example/metadata' })).result.json).toMatchObject({ code: 'auth.saml_audience_invalid' });
    expect((await signIn({ recipient: 'https://other-sp.example/acs' })).result.json).toMatchObject({ code: 'auth.saml_audience_invalid' });
    const unsolicited = idp.respond({ id: '_never-sent', acsUrl: `${h.url}/v1/auth/saml/${orgId}/acs`, issuer: `${h.url}/v1/auth/saml/${orgId}/metadata`, signatureValid: true, sigAlg: null }, { email: 'sam.super@clinic.example', groups: ['fe-supervisors'] });
    expect((await post(unsolicited)).json).toMatchObject({ code: 'auth.saml_request_unknown' });
  });

  it('maps attributes with the org\'s rules: another domain and an unmapped group are refused; unconfigured org 404', async () => {
    expect((await signIn({ email: 'eve@elsewhere.example' })).result.json).toMatchObject({ status: 403, code: 'auth.domain_not_allowed' });
    expect((await signIn({ email: 'nobody@clinic.example', groups: ['marketing'] })).result.json).toMatchObject({ status: 403, code: 'auth.role_not_mapped' });
    const other = await h.user('org_admin');
    const res = await fetch(`${h.url}/v1/auth/saml/${other.orgId}/start`, { redirect: 'manual' });
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([404, 'auth.saml_not_configured']);
  });
});
