import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { CredentialInput, CredentialList, MintedCredential, PolicySettingsView } from '../../../../app/contracts/ai-gateway-settings-api';
import { identityOf } from '../auth';
import type { ApiRoute } from '../route-table';
import type { AiGatewaySettingsService } from '../../gateway/admin/ai-gateway-settings-service';
import { OrgPolicySettingsSchema } from '../../gateway/policy/org-policy-settings';
import { AI_ADMIN_PATH, type AdminOpenApiCommon } from './ai-admin-routes';

const policySettings = OrgPolicySettingsSchema.meta({
  id: 'AiOrgPolicySettings',
  description: 'Overrides merged by the Rego policy over resources/policies/data.json with object.union: objects key by key, lists and values replace, a purpose set to null is off.',
});

/**
 * `/v1/admin/ai/policy` and `/v1/admin/ai/credentials`. Thin: parse, call the use-case, send.
 * Reading needs ai_admin.read (org_admin, auditor), changing ai_admin.write (org_admin).
 */
export function aiGatewaySettingsRoutes(settings: AiGatewaySettingsService): ApiRoute[] {
  const base = AI_ADMIN_PATH;
  return [
    { method: 'get', path: `${base}/policy`, resource: 'org', action: 'ai_admin.read', handler: async (_req, res) => {
      res.json(await settings.getPolicy(identityOf(res)));
    } },
    { method: 'put', path: `${base}/policy`, resource: 'org', action: 'ai_admin.write', handler: async (req, res) => {
      res.json(await settings.putPolicy(identityOf(res), req.body));
    } },
    { method: 'get', path: `${base}/credentials`, resource: 'org', action: 'ai_admin.read', handler: async (_req, res) => {
      res.json({ credentials: await settings.listCredentials(identityOf(res)) } satisfies CredentialList);
    } },
    { method: 'post', path: `${base}/credentials`, resource: 'org', action: 'ai_admin.write', handler: async (req, res) => {
      const minted = await settings.mintCredential(identityOf(res), CredentialInput.parse(req.body));
      // The secret must not sit in any cache on the way back.
      res.status(201).set('Cache-Control', 'no-store').json(minted);
    } },
    { method: 'delete', path: `${base}/credentials/:id`, resource: 'org', action: 'ai_admin.write', handler: async (req, res) => {
      await settings.revokeCredential(identityOf(res), String(req.params.id));
      res.status(204).end();
    } },
  ];
}

/** The policy and credential paths in the OpenAPI document (called by buildOpenApiDocument). */
export function registerAiGatewaySettingsOpenApi(reg: OpenAPIRegistry, common: AdminOpenApiCommon) {
  const { security, errors, json } = common;
  const base = `/v1${AI_ADMIN_PATH}`;
  const tags = ['AI admin'];
  const who = 'org_admin or auditor';
  reg.registerPath({ method: 'get', path: `${base}/policy`, tags, summary: `The org's policy overrides ({} when none) (${who})`, security, responses: { 200: json(PolicySettingsView, 'Overrides'), ...errors } });
  reg.registerPath({
    method: 'put',
    path: `${base}/policy`,
    tags,
    summary: "Replace the org's policy overrides (org_admin); the gateway applies them within its settings cache time (~1 s)",
    description: 'An unknown key, a bad role, model list or purpose name answers request.invalid with details.issues[] = {path, message}.',
    security,
    request: { body: { content: { 'application/json': { schema: policySettings } } } },
    responses: { 200: json(PolicySettingsView, 'The stored overrides'), ...errors },
  });
  reg.registerPath({ method: 'get', path: `${base}/credentials`, tags, summary: `Gateway service credentials of the org, revoked and expired ones included; never a secret (${who})`, security, responses: { 200: json(CredentialList, 'Credentials'), ...errors } });
  reg.registerPath({ method: 'post', path: `${base}/credentials`, tags, summary: 'Mint a gateway service credential (org_admin); the secret is in this answer only', security, request: { body: { content: { 'application/json': { schema: CredentialInput } } } }, responses: { 201: json(MintedCredential, 'The new credential and its secret'), ...errors } });
  reg.registerPath({ method: 'delete', path: `${base}/credentials/{id}`, tags, summary: 'Revoke a service credential (org_admin); the gateway refuses it within its credential cache time (~1 s); credential.not_found when absent', security, request: { params: z.object({ id: z.string().uuid() }) }, responses: { 204: { description: 'Revoked (also when it already was)' }, ...errors } });
}
