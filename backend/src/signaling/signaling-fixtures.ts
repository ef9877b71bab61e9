import type { CreateInviteResponse, JoinResponse } from '../../../app/contracts/signaling';

/** Test fixtures over the real HTTP API: a consented session, an invite, a guest who joined. */

export async function jsonCall(baseUrl: string, method: string, path: string, token: string | null, body?: unknown) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever came back
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: (text ? JSON.parse(text) : null) as any };
}

export const guestConsent = { given: true, method: 'verbal', textVersion: 'consent-v2' } as const;

export async function createConsentedSession(baseUrl: string, ownerToken: string): Promise<string> {
  const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
  const r = await jsonCall(baseUrl, 'POST', '/v1/sessions', ownerToken, {
    title: 'Follow-up visit',
    rubricId: 'motivational-interviewing',
    participants: [
      { channel: 0, displayName: 'Dr. Maya Okafor', roleLabel: 'Clinician', consent },
      { channel: 1, displayName: 'Daniel Reyes', roleLabel: 'Patient', consent },
    ],
  });
  if (r.status !== 201) throw new Error(`session not created: ${JSON.stringify(r.json)}`);
  return r.json.id as string;
}

export async function createInvite(baseUrl: string, ownerToken: string, sessionId: string): Promise<CreateInviteResponse> {
  const r = await jsonCall(baseUrl, 'POST', `/v1/sessions/${sessionId}/invites`, ownerToken);
  if (r.status !== 201) throw new Error(`invite not created: ${JSON.stringify(r.json)}`);
  return r.json;
}

export async function joinAsGuest(baseUrl: string, code: string, displayName = 'Daniel Reyes'): Promise<JoinResponse> {
  const r = await jsonCall(baseUrl, 'POST', '/v1/join', null, { code, displayName, consent: guestConsent });
  if (r.status !== 201) throw new Error(`join refused: ${JSON.stringify(r.json)}`);
  return r.json;
}
