import type { SignedOut } from '../platform/platform';

const PARAM = 'sign_in_error';

/**
 * What the sign-in screen says for a browser sign-in that came back failed (the API sends only
 * the code: backend/src/api/routes/web-session-routes.ts). Plain words from here, never from the
 * address, so a crafted link cannot make the screen say something else.
 */
const MESSAGES: Record<string, string> = {
  'auth.oidc_not_configured': 'This organisation has no single sign-on set up. Check the organisation ID, or ask your IT department.',
  'auth.domain_not_allowed': 'Your email address’s domain may not sign in to this organisation. Ask your IT department.',
  'auth.role_not_mapped': 'Your account has no role in this app yet. Ask your IT department to give you one.',
  'auth.oidc_state_invalid': 'The sign-in took too long or was started in another window. Please try again.',
  'auth.oidc_provider_error': 'Your organisation’s sign-in page reported a problem, or the sign-in was cancelled there. Please try again.',
  'auth.oidc_token_invalid': 'The answer from your organisation’s sign-in could not be verified. Please try again; if it keeps happening, tell your IT department.',
  'auth.oidc_nonce_mismatch': 'The answer from your organisation’s sign-in could not be verified. Please try again; if it keeps happening, tell your IT department.',
  'auth.oidc_subject_conflict': 'This email address already belongs to another account of this organisation. Ask your IT department.',
  'auth.user_deactivated': 'This account is deactivated.',
  'rate.limited': 'Too many sign-in attempts from here. Wait a few minutes and try again.',
};

/** The failure a browser sign-in came back with (`?sign_in_error=<code>`), taken out of the address bar. */
export function signInErrorFromPage(location: Location, history: History): SignedOut | null {
  const params = new URLSearchParams(location.search);
  const code = params.get(PARAM);
  if (code === null) return null;
  params.delete(PARAM);
  const rest = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  if (Object.prototype.hasOwnProperty.call(MESSAGES, code)) return { code, message: MESSAGES[code]! };
  // A code this screen has no words for keeps its code (for support) if it looks like one.
  return { code: /^[a-z]+\.[a-z_]{1,60}$/.test(code) ? code : 'client.error', message: 'The sign-in did not complete. Please try again.' };
}
