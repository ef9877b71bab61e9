import type { Request, Response } from 'express';
import { AppError } from '../../../app/contracts/errors';
import type { HttpInput, HttpReply, HttpRouteContract } from '../../../app/contracts/http-route';
import type { ApiRoute, RouteContext, RouteRule } from './route-table';

/** A handler that wrote the answer itself (a PDF, a byte range) returns this. */
export const SENT = Symbol('sent');

/** The access rule of a route (route-table.ts); method and path come from its contract. */
export type AccessRule = Omit<Extract<RouteRule, { resource: 'org' | 'session' }>, 'method' | 'path'> | { resource: 'public'; action: null };

export type ContractHandler<C extends HttpRouteContract> = (input: HttpInput<C>, ctx: RouteContext | null, req: Request, res: Response) => Promise<HttpReply<C> | typeof SENT>;

/**
 * A row of the route table from its declaration in app/contracts: params, query and body parsed by
 * the declaration's schemas (a refusal is 400 request.invalid), and the answer checked against the
 * declared status and schema before it is sent. An answer the declaration does not allow is a
 * defect of the server: 500 internal, never a silently different shape.
 */
export function contractRoute<C extends HttpRouteContract>(contract: C, rule: AccessRule, handler: ContractHandler<C>): ApiRoute {
  return {
    ...rule,
    method: contract.method,
    path: contract.path,
    contract,
    handler: async (req, res, ctx) => {
      const input = {
        params: contract.params ? contract.params.parse(req.params) : {},
        query: contract.query ? contract.query.parse(req.query) : {},
        body: contract.body ? contract.body.parse(req.body ?? {}) : undefined,
      } as HttpInput<C>;
      const reply = await handler(input, ctx, req, res);
      if (reply === SENT) return;
      const { status } = reply;
      const answer = contract.responses[status];
      if (!answer) throw new AppError('internal', `${contract.operationId} answered ${status}, which its contract does not declare`);
      if (!('json' in answer)) return void res.status(status).end();
      const checked = answer.json.safeParse((reply as { body: unknown }).body);
      if (!checked.success) {
        const where = checked.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
        throw new AppError('internal', `${contract.operationId} answered ${status} with a body its contract does not allow: ${where}`);
      }
      res.status(status).json(checked.data);
    },
  } as ApiRoute;
}
