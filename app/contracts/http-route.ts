import type { z } from 'zod';
import type { ErrorCode } from './errors';

/**
 * One HTTP route, declared once (docs/decisions/035): the server validates its input and its
 * answer from this declaration, the OpenAPI document is generated from it, a client is typed from
 * it. A small table over zod rather than a library (ts-rest): the route table's access rules, the
 * guard before the body parser and the problem+json errors stay as they are.
 */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One answer: JSON with its schema, another media type (a PDF, audio), or no body (204). */
export type HttpAnswer =
  | { readonly description: string; readonly json: z.ZodType }
  | { readonly description: string; readonly media: Readonly<Record<string, z.ZodType>> }
  | { readonly description: string };

export interface HttpRouteContract {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** Under /v1, in express syntax (`/sessions/:id`). */
  readonly path: string;
  readonly summary: string;
  /**
   * 'bearer': the app token or the browser's session cookie (401 auth.*, 403 auth.forbidden come
   * with it); 'none': no sign-in, the handler makes its own checks.
   */
  readonly auth: 'bearer' | 'none';
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly headers?: z.ZodObject;
  /** The JSON body the server parses; a route with a body requires one. */
  readonly body?: z.ZodType;
  /**
   * The body as the document shows it, when the server refuses more than `body` does (with a code
   * listed in `errors`, e.g. 422 consent.missing): a schema-valid request is then never refused.
   */
  readonly documentedBody?: z.ZodType;
  /** The answers of success, by status. */
  readonly responses: Readonly<Record<number, HttpAnswer>>;
  /**
   * The route's own refusals by status, each with its stable codes. Every route also has the
   * parsers' (400 request.invalid / request.invalid_text, 413, 415, 431) and, with auth 'bearer',
   * the sign-in's (401, 403, 429): the document adds those.
   */
  readonly errors: Readonly<Partial<Record<number, readonly ErrorCode[]>>>;
}

/** Keeps each declaration's literal types (statuses, schemas) for the handlers typed from it. */
export const defineRoutes = <const T extends Record<string, HttpRouteContract>>(routes: T): T => routes;

/** `/sessions/:id` → `/v1/sessions/{id}`, the document's form of a route's path. */
export const openApiPathOf = (route: Pick<HttpRouteContract, 'path'>): string => `/v1${route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;

/** The statuses of a route's JSON answers, and the value each carries (what a handler may return). */
type JsonStatus<C extends HttpRouteContract> = { [S in keyof C['responses'] & number]: C['responses'][S] extends { json: z.ZodType } ? S : never }[keyof C['responses'] & number];
type EmptyStatus<C extends HttpRouteContract> = { [S in keyof C['responses'] & number]: C['responses'][S] extends { json: z.ZodType } | { media: unknown } ? never : S }[keyof C['responses'] & number];
export type HttpReply<C extends HttpRouteContract> =
  | { [S in JsonStatus<C>]: { status: S; body: z.input<Extract<C['responses'][S], { json: z.ZodType }>['json']> } }[JsonStatus<C>]
  | { [S in EmptyStatus<C>]: { status: S } }[EmptyStatus<C>];

/** What a handler gets, parsed by the declaration's schemas. */
export interface HttpInput<C extends HttpRouteContract> {
  params: C['params'] extends z.ZodType ? z.output<C['params']> : Record<string, never>;
  query: C['query'] extends z.ZodType ? z.output<C['query']> : Record<string, never>;
  body: C['body'] extends z.ZodType ? z.output<C['body']> : undefined;
}
