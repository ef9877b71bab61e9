import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './gateway-error';
import type { GatewayRuntime } from './governed-call';
import { decideTargets } from './policy-gate';

/**
 * GET /v1/models: the routes the caller's org may use. With X-FE-Purpose (or a credential limited to
 * purposes) a route is listed when the policy allows at least one of its providers for one of them;
 * without either, every configured route is listed.
 */
export async function listModels(rt: GatewayRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const caller = await rt.auth.authenticate(req.headers.authorization);
  const header = req.headers['x-fe-purpose'];
  const asked = typeof header === 'string' && header.trim() ? [header.trim()] : null;
  const purposes = asked ? asked.filter((p) => !caller.purposes || caller.purposes.includes(p)) : caller.purposes;
  const { settings } = await rt.orgContext.load(caller.orgId, null);
  const routes = rt.router
    .routes()
    .filter((r) => purposes === null || purposes.some((purpose) => decideTargets(rt.policy, rt.router, { orgId: caller.orgId, role: 'service', purpose, kind: r.kind, model: r.model, maxTokens: null, settings }, r.targets).decision));
  sendJson(res, 200, { object: 'list', data: routes.map((r) => ({ id: r.model, object: 'model', created: 0, owned_by: 'feedback-evaluation-gateway', kind: r.kind })) });
}
