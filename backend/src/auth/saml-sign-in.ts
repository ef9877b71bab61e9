import { generateServiceProviderMetadata, SAML, SamlStatusError, ValidateInResponseTo, type CacheProvider, type Profile } from '@node-saml/node-saml';
import { AppError, isAppError, type ErrorCode } from '../../../app/contracts/errors';
import type { OidcSignInResult } from '../../../app/contracts/oidc-api';
import type { Database } from '../db/database';
import { isUuid } from '../db/database';
import { getSamlProvider, getSamlRequestId, recordSamlAssertion, removeSamlRequestId, samlAssertionSeen, saveSamlRequestId, type SamlProviderConfig } from '../db/repositories/saml';
import { signInFederated } from './federated-user';
import { attrOf, parseXml, type XmlDocument } from './xml-dom';

const ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const PROTOCOL_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const SAML_PATH = '/v1/auth/saml';

export interface SamlSignInOptions {
  db: Database;
  /** PEM private key and certificate of the service provider: AuthnRequests are signed with them, the metadata publishes the certificate. */
  spKey: string;
  spCert: string;
  /** Lifetime of the app token a sign-in issues. */
  sessionTtlSec: number;
  /** How long an AuthnRequest may wait for its response. */
  requestTtlSec: number;
  /** Clock skew tolerated on NotBefore / NotOnOrAfter. */
  clockSkewSec: number;
}

/** The SP's URLs for an org: its entity id (the metadata URL, which is also the audience) and its assertion consumer service. */
export function spUrls(apiBase: string, orgId: string) {
  const base = `${apiBase.replace(/\/+$/, '')}${SAML_PATH}/${orgId}`;
  return { entityId: `${base}/metadata`, acsUrl: `${base}/acs` };
}

const refuse = (code: ErrorCode, message: string, cause?: unknown) => new AppError(code, message, { status: code === 'auth.saml_not_configured' ? 404 : 401, cause });

/** node-saml's refusals as stable codes. */
function validationError(e: unknown): AppError {
  if (isAppError(e)) return e as AppError;
  if (e instanceof SamlStatusError) return refuse('auth.saml_response_invalid', `The identity provider refused the sign-in (${e.message}).`, e);
  const m = (e as Error)?.message ?? String(e);
  if (/signature|No response found|Cannot obtain assertion|EncryptedAssertion/i.test(m)) return refuse('auth.saml_signature_invalid', `The SAML response's signature is not valid: ${m}.`, e);
  if (/expired|not yet valid|No valid subject confirmation/i.test(m)) return refuse('auth.saml_assertion_expired', `The SAML assertion is outside its validity period: ${m}.`, e);
  if (/audience/i.test(m)) return refuse('auth.saml_audience_invalid', `The SAML assertion is not for this service provider: ${m}.`, e);
  if (/InResponseTo/i.test(m)) return refuse('auth.saml_request_unknown', 'The SAML response answers no sign-in started here (unknown, expired or already answered AuthnRequest): start it again.', e);
  return refuse('auth.saml_response_invalid', `The SAML response is not valid: ${m}.`, e);
}

const parse = parseXml;
const isEmail = (v: unknown): v is string => typeof v === 'string' && /^[^@\s]+@[^@\s]+$/.test(v);

/**
 * SAML 2.0 service provider (docs/decisions/022) with @node-saml/node-saml: SP-initiated sign-in
 * (HTTP-Redirect, signed AuthnRequest; its id kept in PostgreSQL and answered once), HTTP-POST
 * responses whose assertion must be signed by the org's IdP certificate, for this SP's audience
 * and ACS (recipient), within its time conditions, and never seen before (assertion ids kept in
 * PostgreSQL). Then the attributes map to a user just as OIDC claims do (federated-user.ts).
 */
export function createSamlSignIn(opts: SamlSignInOptions) {
  const { db } = opts;

  async function providerOf(orgId: string): Promise<SamlProviderConfig> {
    const p = isUuid(orgId) ? await db.withOrg(orgId, (tx) => getSamlProvider(tx)) : null;
    if (!p) throw refuse('auth.saml_not_configured', 'This organisation has no SAML sign-in configured.');
    return p;
  }

  function cacheOf(orgId: string): CacheProvider {
    return {
      saveAsync: async (key, value) => {
        await db.withOrg(orgId, (tx) => saveSamlRequestId(tx, key, value, new Date(Date.now() + opts.requestTtlSec * 1000)));
        return { value, createdAt: Date.now() };
      },
      getAsync: (key) => db.withOrg(orgId, (tx) => getSamlRequestId(tx, key)),
      removeAsync: async (key) => (key ? db.withOrg(orgId, (tx) => removeSamlRequestId(tx, key)) : null),
    };
  }

  function samlFor(p: SamlProviderConfig, apiBase: string): SAML {
    const { entityId, acsUrl } = spUrls(apiBase, p.orgId);
    return new SAML({
      issuer: entityId,
      callbackUrl: acsUrl,
      audience: entityId,
      entryPoint: p.ssoUrl,
      idpCert: p.idpCerts,
      idpIssuer: p.idpEntityId,
      privateKey: opts.spKey,
      publicCert: opts.spCert,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: opts.requestTtlSec * 1000,
      cacheProvider: cacheOf(p.orgId),
      acceptedClockSkewMs: opts.clockSkewSec * 1000,
      identifierFormat: null,
      disableRequestedAuthnContext: true,
      authnRequestBinding: 'HTTP-Redirect',
    });
  }

  return {
    /** The SP metadata for the org's IdP administrator: entity id, ACS (HTTP-POST), signing certificate, AuthnRequestsSigned. */
    metadata(orgId: string, apiBase: string): string {
      if (!isUuid(orgId)) throw refuse('auth.saml_not_configured', 'Not an organisation id.');
      const { entityId, acsUrl } = spUrls(apiBase, orgId);
      return generateServiceProviderMetadata({ issuer: entityId, callbackUrl: acsUrl, publicCerts: opts.spCert, privateKey: opts.spKey, wantAssertionsSigned: true, identifierFormat: null, signatureAlgorithm: 'sha256', digestAlgorithm: 'sha256' });
    },

    /** The IdP URL carrying a new signed AuthnRequest (HTTP-Redirect binding). */
    async start(orgId: string, apiBase: string): Promise<string> {
      const p = await providerOf(orgId);
      return samlFor(p, apiBase).getAuthorizeUrlAsync('', undefined, {});
    },

    /** Validates a POSTed SAMLResponse and signs its subject in. */
    async complete(orgId: string, apiBase: string, samlResponse: string): Promise<OidcSignInResult> {
      const p = await providerOf(orgId);
      const { acsUrl } = spUrls(apiBase, orgId);
      let raw: XmlDocument | null = null;
      try {
        raw = parse(Buffer.from(samlResponse, 'base64').toString('utf8'));
      } catch {
        // Malformed: node-saml refuses it below with its own message.
      }
      // A replay is named as such even though its AuthnRequest was answered already (read only: the
      // id is recorded only once the assertion has been validated).
      const claimedId = attrOf(raw?.getElementsByTagNameNS(ASSERTION_NS, 'Assertion')[0], 'ID');
      if (claimedId && (await db.withOrg(orgId, (tx) => samlAssertionSeen(tx, claimedId)))) throw refuse('auth.saml_assertion_replayed', 'This SAML assertion was used before.');
      let profile: Profile | null;
      try {
        ({ profile } = await samlFor(p, apiBase).validatePostResponseAsync({ SAMLResponse: samlResponse }));
      } catch (e) {
        throw validationError(e);
      }
      if (!profile?.getAssertionXml) throw refuse('auth.saml_response_invalid', 'The SAML response carries no assertion.');
      // From here on only the assertion node-saml validated is read (no signature wrapping).
      const assertion = parse(profile.getAssertionXml()).documentElement!;
      const destination = attrOf(raw?.getElementsByTagNameNS(PROTOCOL_NS, 'Response')[0], 'Destination');
      const confirmations = Array.from(assertion.getElementsByTagNameNS(ASSERTION_NS, 'SubjectConfirmationData'));
      if ((destination && destination !== acsUrl) || confirmations.length === 0 || confirmations.some((c) => attrOf(c, 'Recipient') !== acsUrl)) {
        throw refuse('auth.saml_audience_invalid', `The SAML response was sent to another recipient than ${acsUrl}.`);
      }
      const assertionId = attrOf(assertion, 'ID');
      if (!assertionId) throw refuse('auth.saml_response_invalid', 'The SAML assertion has no ID.');
      const until = [assertion.getElementsByTagNameNS(ASSERTION_NS, 'Conditions')[0], ...confirmations].map((el) => Date.parse(attrOf(el, 'NotOnOrAfter') ?? '')).filter(Number.isFinite);
      const keepUntil = new Date((until.length ? Math.max(...until) : Date.now() + opts.requestTtlSec * 1000) + opts.clockSkewSec * 1000);
      if (!(await db.withOrg(orgId, (tx) => recordSamlAssertion(tx, assertionId, keepUntil)))) throw refuse('auth.saml_assertion_replayed', 'This SAML assertion was used before.');

      const attributes = (profile.attributes ?? {}) as Record<string, unknown>;
      const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
      const email = p.emailAttribute
        ? first(attributes[p.emailAttribute])
        : [profile.nameID, profile.email, profile.mail, first(attributes['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'])].find(isEmail);
      if (!isEmail(email)) throw refuse('auth.saml_response_invalid', `The SAML assertion carries no email (${p.emailAttribute ? `attribute ${p.emailAttribute}` : 'an email-shaped NameID or an email attribute'}).`);
      const name = [attributes.displayName, attributes['http://schemas.microsoft.com/identity/claims/displayname']].map(first).find((v): v is string => typeof v === 'string');
      return signInFederated(
        db,
        orgId,
        { issuer: p.idpEntityId, roleMap: p.roleMap, defaultRole: p.defaultRole, allowedDomains: p.allowedDomains },
        { method: 'saml', subject: profile.nameID, email, name, roleValues: attributes[p.roleAttribute], roleSource: `${p.roleAttribute} attribute values` },
        { ttlSec: opts.sessionTtlSec, prefix: 'fe_saml_', label: 'saml sign-in' },
      );
    },
  };
}
export type SamlSignIn = ReturnType<typeof createSamlSignIn>;
