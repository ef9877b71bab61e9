import { createHash, timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import { AppError, isAppError } from '../../../app/contracts/errors';
import type { OidcSignInResult } from '../../../app/contracts/oidc-api';
import type { Database } from '../db/database';
import { isUuid } from '../db/database';
import { revokeApiTokenSecret } from '../db/repositories/identity';
import { addOidcLoginFlow, getOidcProvider, takeOidcLoginFlow, type OidcProviderConfig } from '../db/repositories/oidc';
import { signInFederated } from './federated-user';

export const OIDC_CALLBACK_PATH = '/v1/auth/oidc/callback';

export interface OidcSignInOptions {
  db: Database;
  /** How long a started sign-in may take (state, nonce and PKCE verifier expire). */
  flowTtlSec: number;
  /** Lifetime of the app token a sign-in issues. */
  sessionTtlSec: number;
  /** Discovery documents (and with them the JWKS cache) are kept this long per org. */
  discoveryTtlSec?: number;
  /** Allow an http:// issuer (a local test IdP); never in production. */
  allowHttpIssuer?: boolean;
  /** Replaces fetch for every request to the IdP (tests: a tampering network). */
  fetch?: oidc.CustomFetch;
}

/**
 * OpenID Connect relying party (docs/decisions/017): authorization code + PKCE S256 with state and
 * nonce kept server-side (single use, expiring), ID-token validation by openid-client (issuer,
 * audience, expiry, nonce, and the signature against the IdP's JWKS), claims → role mapping, users
 * created just in time in an allowed email domain, and the app's own short-lived API token.
 */
export function createOidcSignIn(opts: OidcSignInOptions) {
  const { db } = opts;
  const configs = new Map<string, { at: number; config: Promise<oidc.Configuration> }>();
  const ttlMs = (opts.discoveryTtlSec ?? 3600) * 1000;

  function configFor(p: OidcProviderConfig): Promise<oidc.Configuration> {
    const key = [p.orgId, p.issuer, p.clientId, createHash('sha256').update(p.clientSecret ?? '').digest('hex')].join(' ');
    const hit = configs.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.config;
    const config = oidc
      .discovery(new URL(p.issuer), p.clientId, p.clientSecret ?? undefined, p.clientSecret ? undefined : oidc.None(), {
        ...(opts.allowHttpIssuer ? { execute: [oidc.allowInsecureRequests] } : {}),
        ...(opts.fetch ? { [oidc.customFetch]: opts.fetch } : {}),
      })
      .then((c) => {
        // Check the ID token's signature against the JWKS too, not only the TLS channel it came by.
        oidc.enableNonRepudiationChecks(c);
        return c;
      });
    config.catch(() => configs.delete(key));
    configs.set(key, { at: Date.now(), config });
    return config.catch((e: unknown) => {
      throw new AppError('auth.oidc_provider_error', `The identity provider ${p.issuer} could not be discovered.`, { status: 502, cause: e });
    });
  }

  async function providerOf(orgId: string): Promise<OidcProviderConfig> {
    const p = await db.withOrg(orgId, (tx) => getOidcProvider(tx));
    if (!p) throw new AppError('auth.oidc_not_configured', 'This organisation has no OpenID Connect sign-in configured.', { status: 404 });
    return p;
  }

  return {
    /** The IdP's authorization URL for a new sign-in; `desktop` for the loopback flow. */
    async start(input: { orgId: string; apiBase: string; desktop?: { redirectUri: string; bindingChallenge: string } }): Promise<URL> {
      const p = await providerOf(input.orgId);
      const config = await configFor(p);
      // The org rides in the state so the callback finds the flow under its org's row security.
      const state = `${input.orgId}.${oidc.randomState()}`;
      const nonce = oidc.randomNonce();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const redirectUri = input.desktop?.redirectUri ?? `${input.apiBase}${OIDC_CALLBACK_PATH}`;
      await db.withOrg(input.orgId, (tx) =>
        addOidcLoginFlow(tx, { state, nonce, codeVerifier, redirectUri, bindingChallenge: input.desktop?.bindingChallenge ?? null, expiresAt: new Date(Date.now() + opts.flowTtlSec * 1000) }),
      );
      return oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: p.scopes,
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
    },

    /** Finishes a sign-in from the URL the IdP redirected to; `bindingVerifier` for a desktop flow. */
    async complete(callbackUrl: URL, bindingVerifier?: string): Promise<OidcSignInResult> {
      const state = callbackUrl.searchParams.get('state') ?? '';
      const orgId = state.split('.')[0] ?? '';
      if (!isUuid(orgId)) throw stateInvalid();
      // Taken in its own transaction: a failed exchange below does not put the state back.
      const flow = await db.withOrg(orgId, (tx) => takeOidcLoginFlow(tx, state));
      if (!flow) throw stateInvalid();
      const expected = new URL(flow.redirectUri);
      if (callbackUrl.origin !== expected.origin || callbackUrl.pathname !== expected.pathname) throw stateInvalid();
      if (!bindingMatches(flow.bindingChallenge, bindingVerifier)) {
        throw new AppError('auth.oidc_binding_invalid', 'This sign-in was started by another client: the binding verifier does not match.');
      }
      const p = await providerOf(orgId);
      const config = await configFor(p);
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: flow.codeVerifier, expectedState: state, expectedNonce: flow.nonce, idTokenExpected: true });
      } catch (e) {
        throw grantError(e);
      }
      const claims = tokens.claims();
      if (!claims) throw new AppError('auth.oidc_token_invalid', 'The identity provider returned no ID token.');
      return signIn(orgId, p, claims);
    },

    /** Revokes the caller's token; returns the IdP's end-session URL (RP-initiated logout) when it has one. */
    async logout(orgId: string, token: string, postLogoutRedirectUri?: string): Promise<string | null> {
      await db.withOrg(orgId, (tx) => revokeApiTokenSecret(tx, token));
      const p = await db.withOrg(orgId, (tx) => getOidcProvider(tx));
      if (!p) return null;
      const config = await configFor(p).catch(() => null);
      if (!config?.serverMetadata().end_session_endpoint) return null;
      return oidc.buildEndSessionUrl(config, { client_id: p.clientId, ...(postLogoutRedirectUri ? { post_logout_redirect_uri: postLogoutRedirectUri } : {}) }).href;
    },
  };

  async function signIn(orgId: string, p: OidcProviderConfig, claims: oidc.IDToken): Promise<OidcSignInResult> {
    const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : '';
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new AppError('auth.oidc_token_invalid', 'The ID token has no email claim (request the email scope).');
    return signInFederated(
      db,
      orgId,
      { issuer: p.issuer, roleMap: p.roleMap, defaultRole: p.defaultRole, allowedDomains: p.allowedDomains },
      { method: 'oidc', subject: claims.sub, email, emailVerified: typeof claims.email_verified === 'boolean' ? claims.email_verified : undefined, name: typeof claims.name === 'string' ? claims.name : undefined, roleValues: claims[p.roleClaim], roleSource: p.roleClaim },
      { ttlSec: opts.sessionTtlSec, prefix: 'fe_oidc_', label: 'oidc sign-in' },
    );
  }
}
export type OidcSignIn = ReturnType<typeof createOidcSignIn>;

function bindingMatches(challenge: string | null, verifier: string | undefined): boolean {
  if (challenge === null) return verifier === undefined;
  if (verifier === undefined) return false;
  const got = createHash('sha256').update(verifier, 'ascii').digest();
  const want = Buffer.from(challenge, 'base64url');
  return want.length === got.length && timingSafeEqual(got, want);
}

const stateInvalid = () => new AppError('auth.oidc_state_invalid', 'This sign-in is unknown, expired or already used: start it again.');

/** openid-client's refusals as stable codes: the nonce, the ID token, or the IdP itself. */
function grantError(e: unknown): AppError {
  if (isAppError(e)) return e as AppError;
  if (e instanceof oidc.AuthorizationResponseError || e instanceof oidc.ResponseBodyError) {
    return new AppError('auth.oidc_provider_error', `The identity provider refused the sign-in (${e.error}).`, { status: 502, cause: e });
  }
  // openid-client wraps oauth4webapi's errors: the code and the claim compared sit along the cause chain.
  const chain: { code?: unknown; cause?: unknown; message?: unknown }[] = [];
  for (let c: unknown = e; c && typeof c === 'object' && chain.length < 5; c = (c as { cause?: unknown }).cause) chain.push(c as { code?: unknown });
  // The innermost coded error says what actually failed (the outer one is openid-client's summary).
  const inner = chain.filter((c) => typeof c.code === 'string' && c.code.startsWith('OAUTH_')).at(-1);
  const code = inner?.code as string | undefined;
  const claim = chain.map((c) => (c as { claim?: unknown }).claim).find((c) => typeof c === 'string');
  if (code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && claim === 'nonce') {
    return new AppError('auth.oidc_nonce_mismatch', 'The ID token was not issued for this sign-in (nonce mismatch).', { cause: e });
  }
  if (code) {
    const why = typeof inner?.message === 'string' ? inner.message : code;
    return new AppError('auth.oidc_token_invalid', `The identity provider's answer failed validation: ${why} (${code}${claim ? `, ${String(claim)}` : ''}).`, { cause: e });
  }
  return new AppError('auth.oidc_provider_error', 'The identity provider could not be reached.', { status: 502, cause: e });
}
