import { AppError } from '../../../app/contracts/errors';
import { attrOf, parseXml, type XmlDocument } from './xml-dom';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/** What an IdP's metadata says that the SP needs: its entity id, its HTTP-Redirect SSO URL, its signing certificates (PEM). */
export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  certs: string[];
}

/** Reads IdP metadata (Entra ID's "Federation Metadata XML", Okta's "Identity Provider metadata"); throws request.invalid when it lacks a part. */
export function parseIdpMetadata(xml: string): IdpMetadata {
  let doc: XmlDocument;
  try {
    doc = parseXml(xml);
  } catch (e) {
    throw new AppError('request.invalid', 'The IdP metadata is not XML.', { status: 400, cause: e });
  }
  const entity = Array.from(doc.getElementsByTagNameNS(MD, 'EntityDescriptor'))[0];
  const idp = Array.from(doc.getElementsByTagNameNS(MD, 'IDPSSODescriptor'))[0];
  const entityId = attrOf(entity, 'entityID');
  if (!entityId || !idp) throw new AppError('request.invalid', 'The metadata has no EntityDescriptor with an IDPSSODescriptor.', { status: 400 });
  const sso = Array.from(idp.getElementsByTagNameNS(MD, 'SingleSignOnService')).find((s) => attrOf(s, 'Binding') === REDIRECT);
  const ssoUrl = attrOf(sso, 'Location');
  if (!ssoUrl || !/^https?:\/\//.test(ssoUrl)) throw new AppError('request.invalid', 'The metadata has no SingleSignOnService with the HTTP-Redirect binding.', { status: 400 });
  const certs = Array.from(idp.getElementsByTagNameNS(MD, 'KeyDescriptor'))
    .filter((k) => (attrOf(k, 'use') ?? 'signing') === 'signing')
    .flatMap((k) => Array.from(k.getElementsByTagNameNS(DS, 'X509Certificate')))
    .map((c) => (c.textContent ?? '').replace(/\s+/g, ''))
    .filter(Boolean)
    .map((b64) => `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`);
  if (certs.length === 0) throw new AppError('request.invalid', 'The metadata has no signing certificate.', { status: 400 });
  return { entityId, ssoUrl, certs: [...new Set(certs)] };
}
