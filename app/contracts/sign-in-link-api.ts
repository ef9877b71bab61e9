import { z } from 'zod';

/**
 * One-time sign-in links (`feedback admin create-org` prints one for an org's first org_admin):
 * `GET /v1/auth/sign-in-link?token=<org id>.<secret>` answers the app token once (as the OIDC
 * callback does, `OidcSignInResult`); a used, expired or unknown link is `auth.sign_in_link_invalid`.
 */
export const SIGN_IN_LINK_TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/;

export const SignInLinkQuery = z.object({ token: z.string().max(200) });
export type SignInLinkQuery = z.infer<typeof SignInLinkQuery>;
