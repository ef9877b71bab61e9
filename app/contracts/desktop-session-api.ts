import { z } from 'zod';
import { defineRoutes } from './http-route';
import { OidcSignInResult } from './oidc-api';

/**
 * The desktop's session: a short-lived access token (the bearer of every API call) and a rotating
 * refresh token, both kept by the main process in the OS keychain (safeStorage). A refresh spends
 * the refresh token and answers a new pair; presenting a refresh token that was already spent (a
 * copy in another hand) revokes its whole family (`auth.refresh_reused`). Sign-out revokes the
 * family. Only the refresh token's sha256 is stored.
 */
export const REFRESH_TOKEN = /^fe_rt_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/;

export const RefreshTokenRequest = z.object({ refreshToken: z.string().min(1).max(200) });
export type RefreshTokenRequest = z.infer<typeof RefreshTokenRequest>;

export const DesktopTokens = z.object({
  /** The bearer token of API calls (an API token with a short lifetime). */
  accessToken: z.string(),
  accessExpiresAt: z.string(),
  /** Spend it once at POST /v1/auth/refresh; the answer carries its successor. */
  refreshToken: z.string().regex(REFRESH_TOKEN),
  /** When this refresh token stops working unused (idle lifetime, capped by the family's absolute one). */
  refreshExpiresAt: z.string(),
});
export type DesktopTokens = z.infer<typeof DesktopTokens>;

/**
 * What the desktop's sign-in (POST /v1/auth/oidc/token) answers: the sign-in's result, its token
 * now the desktop's short-lived access token (`expiresAt`), and the first refresh token of a new family.
 */
export const DesktopSignInResult = OidcSignInResult.extend({ refreshToken: DesktopTokens.shape.refreshToken, refreshExpiresAt: z.string() });
export type DesktopSignInResult = z.infer<typeof DesktopSignInResult>;

export const RevokeResponse = z.object({ revoked: z.boolean() });
export type RevokeResponse = z.infer<typeof RevokeResponse>;

export const DesktopSessionRoutes = defineRoutes({
  refresh: {
    operationId: 'refreshDesktopSession',
    method: 'post',
    path: '/auth/refresh',
    auth: 'none',
    summary: 'Spend a refresh token: answers a new access token and a new refresh token (rotation). A refresh token already spent revokes its whole family and is audited (auth.refresh_reused); unknown, expired or revoked: auth.refresh_invalid; a deactivated user: auth.user_deactivated.',
    body: RefreshTokenRequest,
    responses: { 200: { description: 'OK', json: DesktopTokens } },
    errors: { 401: ['auth.refresh_invalid', 'auth.refresh_reused', 'auth.user_deactivated'] },
  },
  revoke: {
    operationId: 'revokeDesktopSession',
    method: 'post',
    path: '/auth/revoke',
    auth: 'none',
    summary: 'Sign out (RFC 7009 style): revokes the refresh token\'s family and every access token it issued. Answers revoked: false for a token that names no live family (nothing to do).',
    body: RefreshTokenRequest,
    responses: { 200: { description: 'OK', json: RevokeResponse } },
    errors: {},
  },
});
