import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import { AppError, isAppError } from '../../../app/contracts/errors';
import type { OidcSignInResult } from '../../../app/contracts/oidc-api';
import type { Database } from '../db/database';
import { isUuid } from '../db/database';
import { addApiToken, createUser, findUserByEmail, getUser, isUserActive, listRoles, revokeApiTokenSecret, ROLES, setRoles, type Role } from '../db/repositories/identity';
import { addOidcLoginFlow, findOidcIdentity, getOidcProvider, linkOidcIdentity, subjectOfUser, takeOidcLoginFlow, type OidcProviderConfig } from '../db/repositories/oidc';
import { appendAuditEvent } from '../db/repositories/audit';

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
    if (claims.email_verified === false) throw new AppError('auth.domain_not_allowed', `The identity provider has not verified ${email}.`, { status: 403 });
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (!p.allowedDomains.includes(domain)) throw new AppError('auth.domain_not_allowed', `Sign-in from the email domain ${domain} is not allowed for this organisation.`, { status: 403 });
    const roles = rolesOf(p, claims[p.roleClaim]);
    if (roles.length === 0) throw new AppError('auth.role_not_mapped', `None of your ${p.roleClaim} is mapped to a role in this organisation, and it has no default role.`, { status: 403 });
    const token = `fe_oidc_${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + opts.sessionTtlSec * 1000);
    return db.withOrg(orgId, async (tx) => {
      // A linked subject is the user, whatever email it asserts now; an unlinked one may claim a
      // user by email only when that user has no subject at this issuer yet (first SSO sign-in).
      const linkedId = await findOidcIdentity(tx, p.issuer, claims.sub);
      let existing = linkedId ? await getUser(tx, linkedId) : null;
      if (!existing) {
        existing = await findUserByEmail(tx, email);
        if (existing && (await subjectOfUser(tx, p.issuer, existing.id)) !== null) {
          throw new AppError('auth.oidc_subject_conflict', `${email} already belongs to another account of this identity provider.`, { status: 403 });
        }
      }
      if (existing && !(await isUserActive(tx, existing.id))) throw deactivated(email);
      const displayName = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim().slice(0, 200) : email;
      const user = existing ?? (await createUser(tx, { email, displayName }));
      if (!linkedId) await linkOidcIdentity(tx, { issuer: p.issuer, subject: claims.sub, userId: user.id });
      await setRoles(tx, user.id, roles);
      const t = await addApiToken(tx, { userId: user.id, token, label: 'oidc sign-in', expiresAt });
      await appendAuditEvent(tx, { actorUserId: user.id, action: existing ? 'auth.signed_in' : 'auth.user_provisioned', targetType: 'user', targetId: user.id, data: { method: 'oidc', issuer: p.issuer, sub: claims.sub, roles } });
      return { token, expiresAt: t.expiresAt, created: !existing, identity: { orgId, userId: user.id, email: user.email, displayName: user.displayName, roles: await listRoles(tx, user.id) } };
    });
  }
}
export type OidcSignIn = ReturnType<typeof createOidcSignIn>;

function rolesOf(p: OidcProviderConfig, claim: unknown): Role[] {
  const values = (Array.isArray(claim) ? claim : [claim]).filter((v): v is string => typeof v === 'string');
  const mapped = new Set(values.flatMap((v) => (Object.hasOwn(p.roleMap, v) ? [p.roleMap[v]!] : [])).filter((r) => (ROLES as readonly string[]).includes(r)));
  if (mapped.size === 0 && p.defaultRole) mapped.add(p.defaultRole);
  return [...mapped].sort();
}

function bindingMatches(challenge: string | null, verifier: string | undefined): boolean {
  if (challenge === null) return verifier === undefined;
  if (verifier === undefined) return false;
  const got = createHash('sha256').update(verifier, 'ascii').digest();
  const want = Buffer.from(challenge, 'base64url');
  return want.length === got.length && timingSafeEqual(got, want);
}

export const deactivated = (email: string) => new AppError('auth.user_deactivated', `${email} has been deactivated in this organisation (SCIM provisioning).`, { status: 403 });

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
