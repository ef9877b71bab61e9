import { z } from 'zod';

/**
 * OIDC sign-in (docs/decisions/017). The web client opens `/v1/auth/oidc/start?org=<id>` and the
 * IdP returns to `/v1/auth/oidc/callback`. The desktop app (RFC 8252) passes its loopback
 * `redirect_uri` (http://127.0.0.1:<port>/<path>) and the S256 hash of a verifier only it knows; the
 * IdP returns the browser to the loopback listener, and the app posts the URL it received with the
 * verifier to `/v1/auth/oidc/token`.
 */
export const LOOPBACK_REDIRECT = /^http:\/\/127\.0\.0\.1:(?:[1-9][0-9]{0,4})\/[A-Za-z0-9/_-]*$/;

export const OidcStartQuery = z.object({
  org: z.string().uuid(),
  redirect_uri: z.string().regex(LOOPBACK_REDIRECT, 'a loopback redirect http://127.0.0.1:<port>/<path> (RFC 8252 7.3)').optional(),
  binding_challenge: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'base64url of a sha256').optional(),
}).refine((q) => (q.redirect_uri === undefined) === (q.binding_challenge === undefined), { message: 'redirect_uri and binding_challenge go together (desktop sign-in)' });
export type OidcStartQuery = z.infer<typeof OidcStartQuery>;

export const OidcCallbackQuery = z.object({ state: z.string().min(1).max(512), code: z.string().max(4096).optional(), error: z.string().max(256).optional(), iss: z.string().max(2048).optional() }).passthrough();

export const OidcDesktopTokenRequest = z.object({
  /** The full URL the loopback listener received (code, state, iss). */
  callbackUrl: z.string().regex(/^http:\/\/127\.0\.0\.1:[0-9]{1,5}\//).max(8192),
  /** The verifier whose S256 hash was the start's binding_challenge. */
  bindingVerifier: z.string().regex(/^[A-Za-z0-9_-]{43,128}$/),
});
export type OidcDesktopTokenRequest = z.infer<typeof OidcDesktopTokenRequest>;

export const OidcSignInResult = z.object({
  /** The app's bearer token (an API token with a short lifetime). */
  token: z.string(),
  expiresAt: z.string(),
  /** True when this sign-in created the user (just in time). */
  created: z.boolean(),
  identity: z.object({ orgId: z.string().uuid(), userId: z.string().uuid(), email: z.string(), displayName: z.string(), roles: z.array(z.enum(['clinician', 'supervisor', 'org_admin', 'auditor'])) }),
});
export type OidcSignInResult = z.infer<typeof OidcSignInResult>;

export const OidcLogoutResponse = z.object({
  /** The IdP's end-session URL (RP-initiated logout) to open in the browser; null when it has none. */
  endSessionUrl: z.string().url().nullable(),
});
export type OidcLogoutResponse = z.infer<typeof OidcLogoutResponse>;
