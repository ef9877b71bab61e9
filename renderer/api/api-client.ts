import { CSRF_HEADER } from '../../app/contracts/web-session-api';
import type { CreateSessionRequest, SessionView } from '../../app/contracts/api';
import { sessionListSearch, type SessionListPage, type SessionListQuery } from '../../app/contracts/session-list-api';
import type { CreateInviteResponse, JoinRequest, JoinResponse } from '../../app/contracts/signaling';
import type { Rubric } from '../../app/rubric/rubric';
import type { ConversationMetrics } from '../../app/metrics/metrics-model';
import type { Transcript } from '../../app/transcript/transcript';
import type { VerifiedAnalysis } from '../../app/rubric/analysis';

/** A refused or failed request, carrying the API's stable problem `code` and its `detail`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'ApiError';
  }
}

export interface Me {
  orgId: string;
  orgName: string;
  userId: string;
  email: string;
  displayName: string;
  roles: string[];
}

export type ConsentBody = { given: true; method: 'in_app'; textVersion: string };
export const CONSENT_TEXT_VERSION = 'consent-v1';

/**
 * `csrfToken`: the browser's cookie session (decision 025). Without a bearer token the request is
 * signed in by the session cookie, and a state-changing one must carry the session's CSRF token.
 */
export function createApiClient(base: () => Promise<string>, token: () => Promise<string | null>, csrfToken?: () => Promise<string>) {
  async function call(method: string, path: string, body?: unknown, opts: { auth?: boolean } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const t = opts.auth === false ? null : await token();
    if (t) headers.authorization = `Bearer ${t}`;
    else if (opts.auth !== false && csrfToken && method !== 'GET') headers[CSRF_HEADER] = await csrfToken().catch(() => '');
    let res: Response;
    try {
      res = await fetch(`${await base()}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, navigator.onLine ? 'network.unreachable' : 'network.offline', navigator.onLine ? `The server could not be reached (${(e as Error).message}).` : 'You are offline.');
    }
    if (!res.ok) {
      const text = await res.text();
      let problem: { code?: string; detail?: string } = {};
      try {
        problem = JSON.parse(text) as typeof problem;
      } catch {
        /* not problem JSON */
      }
      throw new ApiError(res.status, problem.code ?? `http.${res.status}`, problem.detail ?? (text.slice(0, 300) || res.statusText));
    }
    return res;
  }
  const json = async <T>(method: string, path: string, body?: unknown, opts?: { auth?: boolean }) => (await (await call(method, path, body, opts)).json()) as T;

  return {
    me: () => json<Me>('GET', '/v1/me'),
    rubrics: async () => (await json<{ rubrics: Rubric[] }>('GET', '/v1/rubrics')).rubrics,
    /** One page of the list (search, filters, keyset cursor): the server checks each session's access. */
    sessions: (query: SessionListQuery = {}) => json<SessionListPage>('GET', `/v1/sessions${sessionListSearch(query)}`),
    session: (id: string) => json<SessionView>('GET', `/v1/sessions/${id}`),
    createSession: (req: CreateSessionRequest) => json<SessionView>('POST', '/v1/sessions', req),
    startEvaluation: (id: string) => json<SessionView>('POST', `/v1/sessions/${id}/evaluations`, {}),
    transcript: (id: string) => json<Transcript>('GET', `/v1/sessions/${id}/transcript`),
    metrics: (id: string) => json<ConversationMetrics>('GET', `/v1/sessions/${id}/metrics`),
    analysis: (id: string) => json<VerifiedAnalysis>('GET', `/v1/sessions/${id}/analysis`),
    reportPdf: async (id: string) => (await call('GET', `/v1/sessions/${id}/report.pdf`)).blob(),
    createInvite: (id: string) => json<CreateInviteResponse>('POST', `/v1/sessions/${id}/invites`, {}),
    join: (req: JoinRequest) => json<JoinResponse>('POST', '/v1/join', req, { auth: false }),
  };
}
export type ApiClient = ReturnType<typeof createApiClient>;

export function describeError(e: unknown): { code: string; detail: string } {
  if (e instanceof ApiError) return { code: e.code, detail: e.detail };
  const o = e as { code?: unknown; message?: unknown };
  return { code: typeof o?.code === 'string' ? o.code : 'client.error', detail: typeof o?.message === 'string' ? o.message : String(e) };
}
