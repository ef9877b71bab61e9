import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { Problem, UploadMetadata } from '../../../app/contracts/api';
import { HTTP_CONTRACTS } from '../../../app/contracts/http-contracts';
import { registerContracts } from './openapi-contracts';
import { registerAiAdminOpenApi } from './routes/ai-admin-routes';
import { registerAiGatewaySettingsOpenApi } from './routes/ai-gateway-settings-routes';
import { registerOidcOpenApi } from './routes/oidc-routes';
import { registerSignInLinkOpenApi } from './routes/sign-in-link-routes';
import { registerWebSessionOpenApi } from './routes/web-session-routes';
import { registerScimOpenApi } from './routes/scim-routes';
import { registerSamlOpenApi } from './routes/saml-routes';

/** The OpenAPI document, generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(serverUrl: string) {
  const reg = new OpenAPIRegistry();
  const bearer = reg.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  // zod's own .meta({ id }) names the component; no prototype patching needed.
  const problem = Problem.meta({ id: 'Problem' });
  const errors = Object.fromEntries(
    [[400, 'request.invalid'], [401, 'auth.missing / auth.invalid'], [403, 'auth.forbidden'], [404, 'session.not_found'], [409, 'session.state_invalid / report.not_ready'], [422, 'consent.missing / recording.*'], [413, 'request.too_large'], [415, 'request.unsupported_media_type'], [431, 'request.headers_too_large']].map(([s, d]) => [s, { description: `Problem (${d})`, content: { 'application/problem+json': { schema: problem } } }]),
  );
  const security = [{ [bearer.name]: [] }];
  // tus's own refusals (a malformed Upload-Length or Upload-Metadata) are plain text.
  const uploadErrors = { ...errors, 400: { description: 'Problem (request.invalid), or tus\'s plain-text refusal of a malformed tus header', content: { 'application/problem+json': { schema: problem }, 'text/plain': { schema: z.string() } } } };
  const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });

  reg.registerPath({ method: 'post', path: '/v1/uploads', summary: 'tus 1.0 resumable upload of the recording (creation; then PATCH/HEAD on the returned Location). Upload-Metadata: sessionId, sha256 (hex), filename. Content is checked when the upload completes.', security, request: { headers: z.object({ 'Tus-Resumable': z.literal('1.0.0'), 'Upload-Length': z.string().regex(/^[0-9]{1,15}$/), 'Upload-Metadata': z.string().describe(`base64 pairs of ${Object.keys(UploadMetadata.shape).join(', ')}`) }) }, responses: { 201: { description: 'Upload created; Location header' }, ...uploadErrors } });
  registerContracts(reg, HTTP_CONTRACTS, { security, problem });
  registerAiAdminOpenApi(reg, { security, errors, json });
  registerAiGatewaySettingsOpenApi(reg, { security, errors, json });
  registerOidcOpenApi(reg, { security, errors, json });
  registerSignInLinkOpenApi(reg, { errors, json });
  registerWebSessionOpenApi(reg, { security, errors, json });
  registerScimOpenApi(reg, { errors });
  registerSamlOpenApi(reg, { errors, json });

  return new OpenApiGeneratorV31(reg.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Feedback Evaluation API', version: '0.1.0', description: 'Errors are RFC 9457 problem+json with a stable `code`. Live status: WebSocket /v1/events (bearer header or access_token query).' },
    servers: [{ url: serverUrl }],
  });
}
