import { ACTORS, AUDITED_READS, COOKIE_MATRIX, OPEN_FINDINGS, QUERY_TOKEN_ROUTES, ACTOR_DESCRIPTIONS, HTTP_MATRIX, SEES_OWNERS_SESSION, REFUSALS, TUS_MATRIX, WS_MATRIX, type Cell, type Row } from './access-matrix';

/** docs/access-matrix.md, rendered from access-matrix.ts alone (pure: the same data gives the same text). */
export const ACCESS_MATRIX_DOC = 'docs/access-matrix.md';

const cellText = (c: Cell): string =>
  'public' in c ? 'public' : 'allow' in c ? `${c.allow}${c.code ? ` ${c.code}` : ''}` : `✗ ${REFUSALS[c.refuse]} ${c.refuse}`;

function table(rows: [string, Row][]): string {
  const head = `| Route | ${ACTORS.join(' | ')} |`;
  const rule = `|---|${ACTORS.map(() => '---').join('|')}|`;
  const body = rows.map(([key, row]) => `| \`${key}\` | ${ACTORS.map((a) => cellText(row[a])).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

export function renderAccessMatrix(): string {
  const http = Object.entries(HTTP_MATRIX) as [string, Row][];
  const isPublic = (r: Row) => ACTORS.every((a) => 'public' in r[a]);
  const guarded = http.filter(([k, r]) => !isPublic(r) && !k.includes(' /scim/'));
  const publicRows = http.filter(([, r]) => isPublic(r));
  const scim = http.filter(([k]) => k.includes(' /scim/'));
  const listed = (Object.entries(SEES_OWNERS_SESSION) as [string, boolean][]).map(([a, v]) => `| ${a} | ${v ? 'yes' : 'no'} |`);
  return [
    '# Access matrix',
    '',
    '<!-- Generated from backend/src/access/access-matrix.ts by `npm run docs:access-matrix`; do not edit by hand. access-matrix-doc.test.ts fails when this file is out of date. -->',
    '',
    'Who may call what, as `backend/src/access/access-matrix.test.ts` checks it against the real API and access policy',
    '(`resources/policies/access.rego`, decision 013). Each cell is the answer to a legitimate request on a fresh session',
    'created by the owner: an allowed call shows the route\'s own status (and its code when it is not a success, e.g. the',
    'session has no recording yet); a refusal (✗) shows the status and the stable code every surface answers alike.',
    'A session the caller may not know of answers 404 like a missing one; one it may see but not change answers 403.',
    '',
    '## Actors',
    '',
    '| Actor | Who |',
    '|---|---|',
    ...ACTORS.map((a) => `| ${a} | ${ACTOR_DESCRIPTIONS[a]} |`),
    '',
    '## REST routes',
    '',
    table(guarded),
    '',
    '`GET /v1/sessions` lists, and `/v1/events` sends the events of, only the sessions the caller may read. The owner\'s session reaches:',
    '',
    '| Actor | Listed, and its events sent |',
    '|---|---|',
    ...listed,
    '',
    'Every allowed call of these reads leaves an `access.granted` row (with the action) in the audit trail; every',
    'refusal by the policy on a session or an upload (403, 404; REST, tus and the signaling seat alike) leaves an',
    '`access.denied` row. The audited reads:',
    '',
    ...AUDITED_READS.map((k) => `- \`${k}\``),
    '',
    'A `GET /v1/sessions` that returns sessions (their participants\' names) leaves one `access.granted` row on the org',
    'with the action `session.list` and the ids of every session it returned (`data.sessionIds`), not one per session.',
    '',
    '## Browser session cookie',
    '',
    'The web app\'s session cookie carries the same app token: every REST cell above answers the same through the cookie',
    'with its CSRF token, except that `GET /v1/auth/web-session` then answers 200 (the CSRF token), and the guest\'s',
    'state-changing requests stop at the CSRF check (`✗ 403 auth.csrf_invalid`: its token signs nobody in, so it gets no',
    'CSRF token). Without the CSRF token every state-changing request signed in by the cookie is `✗ 403 auth.csrf_invalid`,',
    'whoever sends it. tus and `/v1/events` take the cookie too (`/v1/signal` does not): tus with the CSRF token on POST,',
    'PATCH and DELETE; `/v1/events` only from the web app\'s own origin (`FE_PUBLIC_URL`), else `✗ 403 auth.origin_refused`',
    '(a page elsewhere could open the socket with the browser\'s cookie). Signed in by the cookie alone:',
    '',
    table(Object.entries(COOKIE_MATRIX)),
    '',
    'These routes also take the app token as `?access_token=` (a media element cannot send headers; decision 027) and',
    'answer the same cells that way; every other route ignores the parameter:',
    '',
    ...QUERY_TOKEN_ROUTES.map((k) => `- \`${k}\``),
    '',
    '## tus uploads',
    '',
    'PATCH, HEAD and DELETE are on an upload the owner created. HEAD has no body: its refusals carry the status only.',
    '',
    table(Object.entries(TUS_MATRIX)),
    '',
    '## WebSocket upgrades',
    '',
    '101: the socket opened (`/v1/events`: a first message arrived; `/v1/signal`: `joined`). A refusal of the signaling',
    'join arrives as an `error` message with the same code.',
    '',
    'Neither socket is a lasting grant: each is re-checked at every heartbeat (and a signaling seat also on a message',
    'after a quiet spell). A revoked token or deactivated user is closed `4401 auth.invalid`, a lost right `4403',
    'auth.forbidden`, a deleted session `4404 session.not_found`; the call\'s other party is told `peer-left` with reason',
    '`removed`. A signaling seat outlives its token\'s expiry, not its revocation (decision 030).',
    '',
    table(Object.entries(WS_MATRIX)),
    '',
    '## Public routes',
    '',
    'No sign-in: the handler makes its own checks (invite code, IdP assertion, refresh token, signed link). With any',
    'actor\'s bearer token they answer exactly as without one.',
    '',
    ...publicRows.map(([k]) => `- \`${k}\``),
    '',
    '## Open findings',
    '',
    'Cells the API answers as above but a strict review would not; each changes in the table once decided or fixed.',
    '',
    ...(OPEN_FINDINGS.length ? OPEN_FINDINGS.map((f) => `- \`${f.route}\` as ${f.actors.join(', ')}: ${f.finding}`) : ['None open.']),
    '',
    '## SCIM',
    '',
    'Open to the org\'s SCIM credential only (decision 021): every actor\'s token is `401 auth.scim_credential_invalid`.',
    '',
    ...scim.map(([k]) => `- \`${k}\``),
    '',
  ].join('\n');
}
