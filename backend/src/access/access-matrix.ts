/**
 * The access matrix as data: every route of the API (the route table and its OpenAPI document),
 * the tus upload actions and the WebSocket upgrades, × every kind of caller → the answer a
 * security reviewer expects. access-matrix.test.ts runs every cell against the real API and
 * policy; docs/access-matrix.md is generated from this table (scripts/access-matrix-doc.ts).
 *
 * Written by hand, independently of resources/policies/access.rego: the policy is what is tested.
 * A route without a row, or a row without a route, fails the test.
 */

export const ACTORS = [
  'owner',
  'other_clinician',
  'assigned_supervisor',
  'unassigned_supervisor',
  'auditor',
  'org_admin',
  'guest',
  'no_role',
  'other_org_user',
] as const;
export type Actor = (typeof ACTORS)[number];

export const ACTOR_DESCRIPTIONS: Record<Actor, string> = {
  owner: 'clinician who created the session',
  other_clinician: 'another clinician of the same org',
  assigned_supervisor: 'supervisor the owner is assigned to',
  unassigned_supervisor: 'supervisor of the same org, owner not assigned',
  auditor: 'auditor of the same org',
  org_admin: 'org admin of the same org',
  guest: 'guest who redeemed an invite to this very session (guest token)',
  no_role: 'member of the org with no role',
  other_org_user: 'clinician of another org',
};

/** The refusals every surface answers alike, with their HTTP status. */
export const REFUSALS = {
  'auth.missing': 401,
  'auth.invalid': 401,
  'auth.scim_credential_invalid': 401,
  'auth.forbidden': 403,
  'auth.csrf_invalid': 403,
  'auth.origin_refused': 403,
  'session.not_found': 404,
  'upload.not_found': 404,
} as const;
export type RefusalCode = keyof typeof REFUSALS;

/**
 * One cell: allowed (the route's own answer to the test's request, status and, for a non-2xx, its
 * code), refused with a stable code, or (public routes) the same answer as without a token.
 */
export type Cell = { allow: number; code?: string } | { refuse: RefusalCode } | { public: true };

export const allow = (status: number, code?: string): Cell => (code ? { allow: status, code } : { allow: status });
export const refuse = (code: RefusalCode): Cell => ({ refuse: code });

export type Row = Record<Actor, Cell>;

const row = (f: (a: Actor) => Cell): Row => Object.fromEntries(ACTORS.map((a) => [a, f(a)])) as Row;

/** A guest token opens the call signaling of its session and nothing else: every REST route refuses it as an unknown token. */
const GUEST_ON_REST = refuse('auth.invalid');

/** Org routes: the actors whose role allows it get `ok`; any other signed-in user 403; the guest 401. */
function org(allowed: readonly Actor[], ok: Cell): Row {
  return row((a) => (a === 'guest' ? GUEST_ON_REST : allowed.includes(a) ? ok : refuse('auth.forbidden')));
}

/**
 * Session routes: `allowed` get `ok`; `seeing` may know the session exists but not do this (403);
 * everyone else is told it does not exist (404), like for a missing session.
 */
function session(allowed: readonly Actor[], seeing: readonly Actor[], ok: Cell, opts: { guest?: Cell; notFound?: 'session.not_found' | 'upload.not_found' } = {}): Row {
  const hidden = refuse(opts.notFound ?? 'session.not_found');
  return row((a) => (a === 'guest' ? (opts.guest ?? GUEST_ON_REST) : allowed.includes(a) ? ok : seeing.includes(a) ? refuse('auth.forbidden') : hidden));
}

const everyone = (ok: Cell): Row => row((a) => (a === 'guest' ? GUEST_ON_REST : ok));
const publicRow = (): Row => row(() => ({ public: true }));
const scimRow = (): Row => row(() => refuse('auth.scim_credential_invalid'));

const WITH_ROLE: Actor[] = ['owner', 'other_clinician', 'assigned_supervisor', 'unassigned_supervisor', 'auditor', 'org_admin', 'other_org_user'];
const CLINICAL: Actor[] = ['owner', 'other_clinician', 'org_admin', 'other_org_user'];
/** Who may read a session's metadata (title, participants, status): the owner, their supervisor, the org admin, the auditor. */
const READERS: Actor[] = ['owner', 'assigned_supervisor', 'org_admin', 'auditor'];
/**
 * Who may read clinical content (transcript, analysis, recording, and the report, which quotes the
 * transcript): not the auditor, who audits the process (decision 034) and gets 403.
 */
const CLINICAL_READERS: Actor[] = ['owner', 'assigned_supervisor', 'org_admin'];
/** Who may change a session: its owner and the org admin; its other readers see a 403. */
const CHANGERS: Actor[] = ['owner', 'org_admin'];
const CHANGE_SEERS: Actor[] = ['assigned_supervisor', 'auditor'];
/**
 * Clinical acts (consent, invite, upload, evaluation): the owner only. The org admin administers
 * another clinician's session (reads, deletes) but does not act in it (decision 033): 403.
 */
const CLINICAL_ACTORS: Actor[] = ['owner'];
const CLINICAL_SEERS: Actor[] = [...CHANGE_SEERS, 'org_admin'];
const AI_READERS: Actor[] = ['org_admin', 'auditor'];
/** The session audit trail: who audits (the auditor) and who administers (the org admin). */
const AUDIT_READERS: Actor[] = ['org_admin', 'auditor'];
const AI_WRITERS: Actor[] = ['org_admin'];

/**
 * HTTP routes, keyed `METHOD <full path>` as in the route table. The allowed answers are to the
 * test's request for that route (access-matrix.test.ts), on a fresh consented session without a
 * recording unless the test says otherwise.
 */
export const HTTP_MATRIX = {
  'GET /v1/me': everyone(allow(200)),
  'GET /v1/rubrics': org(WITH_ROLE, allow(200)),
  'POST /v1/sessions': org(CLINICAL, allow(201)),
  'GET /v1/sessions': org(WITH_ROLE, allow(200)),
  'GET /v1/sessions/:id': session(READERS, [], allow(200)),
  'DELETE /v1/sessions/:id': session(CHANGERS, CHANGE_SEERS, allow(204)),
  'POST /v1/sessions/:id/consents': session(CLINICAL_ACTORS, CLINICAL_SEERS, allow(201)),
  'POST /v1/sessions/:id/invites': session(CLINICAL_ACTORS, CLINICAL_SEERS, allow(201)),
  'POST /v1/sessions/:id/evaluations': session(CLINICAL_ACTORS, CLINICAL_SEERS, allow(422, 'recording.missing')),
  'GET /v1/sessions/:id/evaluation': session(READERS, [], allow(200)),
  'GET /v1/sessions/:id/transcript': session(CLINICAL_READERS, ['auditor'], allow(409, 'report.not_ready')),
  'GET /v1/sessions/:id/metrics': session(CLINICAL_READERS, ['auditor'], allow(409, 'report.not_ready')),
  'GET /v1/sessions/:id/analysis': session(CLINICAL_READERS, ['auditor'], allow(200)),
  'GET /v1/sessions/:id/recording': session(CLINICAL_READERS, ['auditor'], allow(200)),
  'GET /v1/sessions/:id/report.pdf': session(CLINICAL_READERS, ['auditor'], allow(200)),
  'GET /v1/audit/events': org(AUDIT_READERS, allow(200)),
  'GET /v1/admin/ai/budgets': org(AI_READERS, allow(200)),
  'PUT /v1/admin/ai/budgets': org(AI_WRITERS, allow(200)),
  'DELETE /v1/admin/ai/budgets/:id': org(AI_WRITERS, allow(404, 'budget.not_found')),
  'GET /v1/admin/ai/usage': org(AI_READERS, allow(200)),
  'GET /v1/admin/ai/audit': org(AI_READERS, allow(200)),
  'GET /v1/admin/ai/audit/verify': org(AI_READERS, allow(200)),
  'GET /v1/admin/ai/audit/export': org(AI_READERS, allow(200)),
  'GET /v1/admin/ai/policy': org(AI_READERS, allow(200)),
  'PUT /v1/admin/ai/policy': org(AI_WRITERS, allow(200)),
  'GET /v1/admin/session-lifetimes': org(['org_admin'], allow(200)),
  'PUT /v1/admin/session-lifetimes': org(['org_admin'], allow(200)),
  'GET /v1/admin/ai/credentials': org(AI_READERS, allow(200)),
  'POST /v1/admin/ai/credentials': org(AI_WRITERS, allow(201)),
  'DELETE /v1/admin/ai/credentials/:id': org(AI_WRITERS, allow(404, 'credential.not_found')),
  'POST /v1/auth/oidc/logout': everyone(allow(200)),
  'GET /v1/auth/web-session': everyone(allow(400, 'auth.web_session_missing')),
  'POST /v1/join': publicRow(),
  'POST /v1/auth/refresh': publicRow(),
  'POST /v1/auth/revoke': publicRow(),
  'GET /v1/auth/oidc/start': publicRow(),
  'GET /v1/auth/oidc/callback': publicRow(),
  'POST /v1/auth/oidc/token': publicRow(),
  'GET /v1/auth/saml/:org/metadata': publicRow(),
  'GET /v1/auth/saml/:org/start': publicRow(),
  'POST /v1/auth/saml/:org/acs': publicRow(),
  'GET /v1/auth/sign-in-link': publicRow(),
  'GET /v1/updates/:channel/:org/:install/:file': publicRow(),
  'GET /scim/v2/Users': scimRow(),
  'POST /scim/v2/Users': scimRow(),
  'GET /scim/v2/Users/:id': scimRow(),
  'PUT /scim/v2/Users/:id': scimRow(),
  'PATCH /scim/v2/Users/:id': scimRow(),
  'DELETE /scim/v2/Users/:id': scimRow(),
  'GET /scim/v2/Groups': scimRow(),
  'POST /scim/v2/Groups': scimRow(),
  'GET /scim/v2/Groups/:id': scimRow(),
  'PUT /scim/v2/Groups/:id': scimRow(),
  'PATCH /scim/v2/Groups/:id': scimRow(),
  'DELETE /scim/v2/Groups/:id': scimRow(),
} satisfies Record<string, Row>;
export type HttpRouteKey = keyof typeof HTTP_MATRIX;

/**
 * Which actors find the owner's session in GET /v1/sessions, and get its events on /v1/events
 * (both are filtered by session.read).
 */
export const SEES_OWNERS_SESSION: Record<Exclude<Actor, 'guest'>, boolean> = {
  owner: true,
  other_clinician: false,
  assigned_supervisor: true,
  unassigned_supervisor: false,
  auditor: true,
  org_admin: true,
  no_role: false,
  other_org_user: false,
};

/**
 * Reads of clinical content and of who the participants are: every allowed call leaves an
 * `access.granted` row in the audit trail (with the action), as every refusal by the policy (403,
 * 404) on a session leaves `access.denied`. The list (GET /v1/sessions) leaves one row per request
 * naming the sessions it returned (access-matrix.test.ts checks both).
 */
export const AUDITED_READS: readonly HttpRouteKey[] = [
  'GET /v1/sessions/:id',
  'GET /v1/sessions/:id/evaluation',
  'GET /v1/sessions/:id/transcript',
  'GET /v1/sessions/:id/metrics',
  'GET /v1/sessions/:id/analysis',
  'GET /v1/sessions/:id/recording',
  'GET /v1/sessions/:id/report.pdf',
];

/**
 * Routes that also take the app token as `?access_token=` (a media element cannot send headers;
 * decision 027); they answer the same cells that way. Every other route ignores the parameter.
 */
export const QUERY_TOKEN_ROUTES: readonly HttpRouteKey[] = ['GET /v1/sessions/:id/recording'];

/**
 * tus upload actions (not express routes). PATCH, HEAD and DELETE are on an upload the owner
 * created; a caller who may not know of it gets tus's own 404 (HEAD has no body, hence no code).
 */
export const TUS_MATRIX = {
  'POST /v1/uploads': session(CLINICAL_ACTORS, CLINICAL_SEERS, allow(201)),
  // Only the uploader writes bytes; the org admin may look at or cancel an upload, not append to it.
  'PATCH /v1/uploads/:id': session(['owner'], [...CHANGE_SEERS, 'org_admin'], allow(204), { notFound: 'upload.not_found' }),
  'HEAD /v1/uploads/:id': session(CHANGERS, CHANGE_SEERS, allow(200), { notFound: 'upload.not_found' }),
  'DELETE /v1/uploads/:id': session(CHANGERS, CHANGE_SEERS, allow(204), { notFound: 'upload.not_found' }),
} satisfies Record<string, Row>;
export type TusKey = keyof typeof TUS_MATRIX;

/**
 * WebSocket upgrades. /v1/events: a signed-in user with a role (events are filtered per session).
 * /v1/signal: the owner takes channel 0, the session's guest channel 1; nobody else gets a seat.
 * Neither is a lasting grant: both are re-checked at each heartbeat (a revoked token, a deactivated
 * user, a lost role or a deleted session closes the socket: events-revalidation.test.ts,
 * signaling-revalidation.test.ts).
 */
export const WS_MATRIX = {
  'WS /v1/events': org(WITH_ROLE, allow(101)),
  'WS /v1/signal?session=:id': session(['owner'], ['assigned_supervisor', 'org_admin', 'auditor'], allow(101), { guest: allow(101) }),
} satisfies Record<string, Row>;
export type WsKey = keyof typeof WS_MATRIX;

/**
 * tus and the WebSockets signed in by the browser's session cookie alone (no bearer token). tus: a
 * POST, PATCH or DELETE needs the session's CSRF token (the guest's token signs nobody in, so it gets
 * none and stops there); HEAD needs none. /v1/events: the cookie counts only on an upgrade whose
 * Origin is the web app's own (FE_PUBLIC_URL's origin); from any other page, whoever's cookie,
 * 403 auth.origin_refused (cross-site WebSocket hijacking). /v1/signal takes no cookie.
 */
const csrfCell = (actor: Actor, cell: Cell): Cell => (actor === 'guest' ? refuse('auth.csrf_invalid') : cell);
export const COOKIE_MATRIX = {
  'POST /v1/uploads (cookie + CSRF)': row((a) => csrfCell(a, TUS_MATRIX['POST /v1/uploads'][a])),
  'PATCH /v1/uploads/:id (cookie + CSRF)': row((a) => csrfCell(a, TUS_MATRIX['PATCH /v1/uploads/:id'][a])),
  'HEAD /v1/uploads/:id (cookie)': TUS_MATRIX['HEAD /v1/uploads/:id'],
  'DELETE /v1/uploads/:id (cookie + CSRF)': row((a) => csrfCell(a, TUS_MATRIX['DELETE /v1/uploads/:id'][a])),
  'POST /v1/uploads (cookie, no CSRF)': row(() => refuse('auth.csrf_invalid')),
  'PATCH /v1/uploads/:id (cookie, no CSRF)': row(() => refuse('auth.csrf_invalid')),
  'DELETE /v1/uploads/:id (cookie, no CSRF)': row(() => refuse('auth.csrf_invalid')),
  'WS /v1/events (cookie, web app origin)': WS_MATRIX['WS /v1/events'],
  'WS /v1/events (cookie, other origin)': row(() => refuse('auth.origin_refused')),
  'WS /v1/events (cookie, no origin)': row(() => refuse('auth.origin_refused')),
  'WS /v1/signal?session=:id (cookie)': row(() => refuse('auth.missing')),
} satisfies Record<string, Row>;
export type CookieKey = keyof typeof COOKIE_MATRIX;

/**
 * The same cell through the browser's session cookie (which carries the same app token) with its
 * CSRF token: the same answer, except that GET /v1/auth/web-session then has a cookie session to
 * answer for, and a token that signs nobody in (the guest's) gets no CSRF token, so its
 * state-changing requests stop at the CSRF check.
 */
export function cookieCell(key: HttpRouteKey, actor: Actor, cell: Cell): Cell {
  if (key === 'GET /v1/auth/web-session' && 'allow' in cell) return allow(200);
  if (actor === 'guest' && !key.startsWith('GET ')) return refuse('auth.csrf_invalid');
  return cell;
}

/**
 * Cells where the API answers as the table says but a strict review would not: each is written
 * down here (and in docs/access-matrix.md) until it is decided or fixed, then the cell changes.
 */
export const OPEN_FINDINGS: readonly { route: HttpRouteKey | TusKey | WsKey; actors: readonly Actor[]; finding: string }[] = [];

export const describeCell = (c: Cell): string =>
  'public' in c ? 'public (token ignored)' : 'allow' in c ? `${c.allow}${c.code ? ` ${c.code}` : ''}` : `${REFUSALS[c.refuse]} ${c.refuse}`;
