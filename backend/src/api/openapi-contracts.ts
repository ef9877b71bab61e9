import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import type { ErrorCode } from '../../../app/contracts/errors';
import { openApiPathOf, type HttpRouteContract } from '../../../app/contracts/http-route';

/** Refusals every route has: the body parser's, the stored-text guard's, the server's size limits. */
const EVERY_ROUTE: Readonly<Record<number, readonly ErrorCode[]>> = {
  400: ['request.invalid', 'request.invalid_text'],
  413: ['request.too_large'],
  415: ['request.unsupported_media_type'],
  431: ['request.headers_too_large'],
};
/** The sign-in's and the access decision's, on every route with auth 'bearer'. */
const SIGNED_IN: Readonly<Record<number, readonly ErrorCode[]>> = {
  401: ['auth.missing', 'auth.invalid'],
  403: ['auth.forbidden', 'auth.csrf_invalid'],
  429: ['rate.limited'],
};

/** The refusals a route's document lists, by status: its own and those every route (or every signed-in route) has. */
export function errorsOf(route: HttpRouteContract): Map<number, ErrorCode[]> {
  const all = new Map<number, ErrorCode[]>();
  for (const table of [EVERY_ROUTE, route.auth === 'bearer' ? SIGNED_IN : {}, route.errors]) {
    for (const [status, codes] of Object.entries(table)) {
      const list = all.get(Number(status)) ?? [];
      for (const c of codes ?? []) if (!list.includes(c)) list.push(c);
      all.set(Number(status), list);
    }
  }
  return all;
}

/** Registers each declared route in the OpenAPI document, from its declaration alone. */
export function registerContracts(reg: OpenAPIRegistry, routes: Iterable<HttpRouteContract>, h: { security: RouteConfig['security']; problem: z.ZodType }): void {
  for (const route of routes) {
    const responses: RouteConfig['responses'] = {};
    for (const [status, answer] of Object.entries(route.responses)) {
      if ('json' in answer) responses[status] = { description: answer.description, content: { 'application/json': { schema: answer.json } } };
      else if ('media' in answer) responses[status] = { description: answer.description, content: Object.fromEntries(Object.entries(answer.media).map(([type, schema]) => [type, { schema }])) };
      else responses[status] = { description: answer.description };
    }
    for (const [status, codes] of errorsOf(route)) responses[status] = { description: `Problem (${codes.join(' / ')})`, content: { 'application/problem+json': { schema: h.problem } } };
    const body = route.documentedBody ?? route.body;
    reg.registerPath({
      method: route.method,
      path: openApiPathOf(route),
      operationId: route.operationId,
      summary: route.summary,
      ...(route.auth === 'bearer' ? { security: h.security } : {}),
      request: {
        ...(route.params ? { params: route.params } : {}),
        ...(route.query ? { query: route.query } : {}),
        ...(route.headers ? { headers: route.headers } : {}),
        ...(body ? { body: { required: true, content: { 'application/json': { schema: body } } } } : {}),
      },
      responses,
    });
  }
}
