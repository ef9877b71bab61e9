// @peculiar/x509 needs a Reflect metadata polyfill loaded before it (its README).
import 'reflect-metadata';
import { createVerify, randomBytes, webcrypto } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import * as x509 from '@peculiar/x509';
import { SignedXml } from 'xml-crypto';

/** A PEM certificate and its PKCS#8 private key (RSA, as SAML deployments use). */
export interface SamlKeyPair {
  cert: string;
  key: string;
}

type X509Crypto = Parameters<typeof x509.cryptoProvider.set>[0];
type X509Keys = x509.X509CertificateCreateSelfSignedParams['keys'];
const RSA = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;
const pem = (label: string, der: ArrayBuffer) => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`;

/** A self-signed RSA certificate generated in the test (an IdP's or an SP's signing key). */
export async function createSamlKeyPair(commonName: string): Promise<SamlKeyPair> {
  x509.cryptoProvider.set(webcrypto as unknown as X509Crypto);
  const keys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ name: `CN=${commonName}`, keys: keys as unknown as X509Keys, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 24 * 3600_000), signingAlgorithm: RSA });
  return { cert: cert.toString('pem') + '\n', key: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

let spKeys: Promise<SamlKeyPair> | undefined;
/** One SP key pair per test process. */
export const testSpKeys = () => (spKeys ??= createSamlKeyPair('Feedback Evaluation test SP'));

export interface ReceivedAuthnRequest {
  id: string;
  acsUrl: string;
  issuer: string;
  /** Whether the HTTP-Redirect signature (SigAlg + Signature over the query) verifies with the SP's certificate. */
  signatureValid: boolean;
  sigAlg: string | null;
}

export interface AssertionOptions {
  email: string;
  nameId?: string;
  groups?: string[];
  /** Defaults: issued now, valid 5 minutes. */
  issuedAt?: Date;
  notOnOrAfter?: Date;
  audience?: string;
  recipient?: string;
  /** Sign with this key instead of the IdP's (a forger). */
  signWith?: SamlKeyPair;
  /** Change the signed assertion's XML after signing (a tamperer on the wire). */
  tamper?: (signedAssertion: string) => string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A SAML 2.0 identity provider for tests: it reads the SP's AuthnRequest from the HTTP-Redirect URL
 * (inflating it and checking its signature) and answers an HTTP-POST Response whose assertion it
 * signs with its own generated key (xml-crypto: enveloped RSA-SHA256, exclusive c14n).
 */
export async function startSamlTestIdp(spCert: string, entityId = 'https://idp.example.test/saml') {
  const keys = await createSamlKeyPair('Test SAML IdP');
  const ssoUrl = 'https://idp.example.test/sso';

  function readRequest(redirectUrl: string): ReceivedAuthnRequest {
    const url = new URL(redirectUrl);
    const rawQuery = url.search.slice(1);
    const parts = Object.fromEntries(rawQuery.split('&').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const xml = inflateRawSync(Buffer.from(decodeURIComponent(parts.SAMLRequest!), 'base64')).toString('utf8');
    // HTTP-Redirect binding (SAML bindings 3.4.4.1): the signature covers the URL-encoded query parts in this order.
    const signed = ['SAMLRequest', 'RelayState', 'SigAlg'].filter((k) => parts[k] !== undefined).map((k) => `${k}=${parts[k]}`).join('&');
    const signatureValid = !!parts.Signature && createVerify('RSA-SHA256').update(signed).verify(spCert, Buffer.from(decodeURIComponent(parts.Signature), 'base64'));
    return {
      id: /\sID="([^"]+)"/.exec(xml)![1]!,
      acsUrl: /AssertionConsumerServiceURL="([^"]+)"/.exec(xml)![1]!,
      issuer: /<saml:Issuer[^>]*>([^<]+)</.exec(xml)![1]!,
      signatureValid,
      sigAlg: parts.SigAlg ? decodeURIComponent(parts.SigAlg) : null,
    };
  }

  function respond(req: ReceivedAuthnRequest, o: AssertionOptions): string {
    const issuedAt = o.issuedAt ?? new Date();
    const until = (o.notOnOrAfter ?? new Date(issuedAt.getTime() + 5 * 60_000)).toISOString();
    const notBefore = new Date(issuedAt.getTime() - 30_000).toISOString();
    const assertionId = `_a${randomBytes(16).toString('hex')}`;
    const groups = (o.groups ?? []).map((g) => `<saml:AttributeValue>${esc(g)}</saml:AttributeValue>`).join('');
    const assertion =
      `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${assertionId}" Version="2.0" IssueInstant="${issuedAt.toISOString()}">` +
      `<saml:Issuer>${esc(entityId)}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(o.nameId ?? o.email)}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${esc(req.id)}" NotOnOrAfter="${until}" Recipient="${esc(o.recipient ?? req.acsUrl)}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${esc(o.audience ?? req.issuer)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${issuedAt.toISOString()}" SessionIndex="${assertionId}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      `<saml:AttributeStatement><saml:Attribute Name="email"><saml:AttributeValue>${esc(o.email)}</saml:AttributeValue></saml:Attribute>` +
      `<saml:Attribute Name="displayName"><saml:AttributeValue>Test Person</saml:AttributeValue></saml:Attribute>` +
      (groups ? `<saml:Attribute Name="groups">${groups}</saml:Attribute>` : '') +
      `</saml:AttributeStatement></saml:Assertion>`;
    const signer = o.signWith ?? keys;
    const sig = new SignedXml({ privateKey: signer.key, publicCert: signer.cert, signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
    sig.addReference({ xpath: "//*[local-name(.)='Assertion']", transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'], digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256' });
    sig.computeSignature(assertion, { location: { reference: "//*[local-name(.)='Issuer']", action: 'after' } });
    const signedAssertion = (o.tamper ?? ((x) => x))(sig.getSignedXml());
    const response =
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${randomBytes(16).toString('hex')}" Version="2.0" IssueInstant="${issuedAt.toISOString()}" Destination="${esc(req.acsUrl)}" InResponseTo="${esc(req.id)}">` +
      `<saml:Issuer>${esc(entityId)}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
      signedAssertion +
      `</samlp:Response>`;
    return Buffer.from(response, 'utf8').toString('base64');
  }

  /** The IdP's metadata, as an admin would download it (entity id, HTTP-Redirect SSO URL, signing certificate). */
  const metadata = () =>
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${esc(entityId)}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
    `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${keys.cert.replace(/-----[A-Z ]+-----|\s/g, '')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${ssoUrl}/post"/>` +
    `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${ssoUrl}"/>` +
    `</md:IDPSSODescriptor></md:EntityDescriptor>`;

  return { entityId, ssoUrl, keys, readRequest, respond, metadata };
}
export type SamlTestIdp = Awaited<ReturnType<typeof startSamlTestIdp>>;
