import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Request } from 'express';
import { z } from 'zod';
import { AppError } from '../../../../app/contracts/errors';
import { OidcSignInResult } from '../../../../app/contracts/oidc-api';
import type { ApiRoute } from '../route-table';
import type { SamlSignIn } from '../../auth/saml-sign-in';

const MAX_FORM_BYTES = 1024 * 1024;

/** The urlencoded form of an HTTP-POST binding (the JSON parser leaves such a body unread). */
async function formOf(req: Request): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) throw new AppError('request.invalid', 'Post the SAMLResponse as application/x-www-form-urlencoded (HTTP-POST binding).', { status: 400 });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_FORM_BYTES) throw new AppError('request.too_large', `Request body too large (at most ${MAX_FORM_BYTES} bytes)`);
    chunks.push(c);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * `/v1/auth/saml/:org/…`: the org's SAML 2.0 service provider (docs/decisions/022). All public:
 * the metadata is for the IdP's administrator, start redirects to the IdP, and the ACS takes the
 * IdP's signed assertion as its check.
 */
export function samlRoutes(saml: SamlSignIn, publicUrl: string | undefined): ApiRoute[] {
  const apiBase = (req: Request) => publicUrl ?? `${req.protocol}://${req.get('host')}`;
  const org = (req: Request) => String(req.params.org);
  return [
    { method: 'get', path: '/auth/saml/:org/metadata', resource: 'public', action: null, handler: async (req, res) => {
      res.type('application/samlmetadata+xml').send(saml.metadata(org(req), apiBase(req)));
    } },
    { method: 'get', path: '/auth/saml/:org/start', resource: 'public', action: null, handler: async (req, res) => {
      res.set('Cache-Control', 'no-store').redirect(302, await saml.start(org(req), apiBase(req)));
    } },
    { method: 'post', path: '/auth/saml/:org/acs', resource: 'public', action: null, handler: async (req, res) => {
      const response = (await formOf(req)).get('SAMLResponse');
      if (!response) throw new AppError('request.invalid', 'SAMLResponse is missing.', { status: 400 });
      res.set('Cache-Control', 'no-store').json((await saml.complete(org(req), apiBase(req), response)) satisfies OidcSignInResult);
    } },
  ];
}

export function registerSamlOpenApi(reg: OpenAPIRegistry, h: { errors: RouteConfig['responses']; json: (schema: z.ZodType, description: string) => RouteConfig['responses'][number] }) {
  const p = '/v1/auth/saml/{org}';
  const params = z.object({ org: z.string().uuid() });
  reg.registerPath({ method: 'get', path: `${p}/metadata`, summary: 'SAML 2.0 service provider metadata of the org (entity id = this URL, ACS with HTTP-POST, signing certificate, AuthnRequestsSigned, WantAssertionsSigned)', request: { params }, responses: { 200: { description: 'SP metadata', content: { 'application/samlmetadata+xml': { schema: z.string() } } }, ...h.errors } });
  reg.registerPath({ method: 'get', path: `${p}/start`, summary: 'Start SP-initiated SAML sign-in: 302 to the IdP with a signed AuthnRequest (HTTP-Redirect binding). Problems: auth.saml_not_configured', request: { params }, responses: { 302: { description: 'Redirect to the identity provider' }, ...h.errors } });
  reg.registerPath({ method: 'post', path: `${p}/acs`, summary: 'Assertion consumer service (HTTP-POST binding): validates the signed assertion (IdP certificate, issuer, audience, recipient, time conditions, InResponseTo, never replayed), creates the user just in time, answers the app token. Problems: auth.saml_signature_invalid, auth.saml_assertion_expired, auth.saml_assertion_replayed, auth.saml_audience_invalid, auth.saml_request_unknown, auth.saml_response_invalid, auth.domain_not_allowed, auth.role_not_mapped, auth.user_deactivated', request: { params, body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: z.object({ SAMLResponse: z.string().min(1), RelayState: z.string().optional() }) } } } }, responses: { 200: h.json(OidcSignInResult.meta({ id: 'OidcSignInResult' }), 'Signed in'), ...h.errors } });
}
