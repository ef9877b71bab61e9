import { AppError } from '../../../app/contracts/errors';
import type { KeyProvider, WrappedKey } from './key-provider';

/**
 * Azure Key Vault as the key-encryption key (docs/decisions/015): the data keys are wrapped and
 * unwrapped by the vault (REST `wrapkey` / `unwrapkey`, RSA-OAEP-256) and the KEK never leaves it.
 * Plain fetch over the documented REST API (api-version 7.4), with a bearer token from the Entra ID
 * client-credentials grant; see the decision for why not @azure/keyvault-keys.
 */
export const KEY_VAULT_API_VERSION = '7.4';
export const KEY_VAULT_WRAP_ALG = 'RSA-OAEP-256';

export interface AzureKeyVaultOptions {
  /** https://<vault>.vault.azure.net/keys/<name>[/<version>]: without a version, the key's current version wraps. */
  keyUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  /** How long the current key version is remembered before asking the vault again. Default 60 s. */
  versionCacheMs?: number;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const b64url = (b: Buffer) => b.toString('base64url');
const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

function parseKeyUrl(keyUrl: string): { vault: string; name: string; version: string | null; host: string } {
  const u = new URL(keyUrl);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopback(u.hostname))) throw new AppError('config.invalid', `The Key Vault key URL must be https: ${keyUrl}`);
  const m = /^\/keys\/([0-9A-Za-z-]{1,127})(?:\/([0-9A-Za-z]+))?\/?$/.exec(u.pathname);
  if (!m) throw new AppError('config.invalid', `Not a Key Vault key URL (…/keys/<name>[/<version>]): ${keyUrl}`);
  return { vault: u.origin, name: m[1]!, version: m[2] ?? null, host: u.hostname };
}

export function createAzureKeyVaultProvider(opts: AzureKeyVaultOptions): KeyProvider {
  const key = parseKeyUrl(opts.keyUrl);
  const kekId = `${key.vault}/keys/${key.name}`;
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  // The token's audience is the vault's cloud: vault.azure.net for <name>.vault.azure.net.
  const scope = `https://${key.host.split('.').slice(1).join('.') || key.host}/.default`;
  let token: { value: string; until: number } | undefined;
  let version: { value: string; until: number } | undefined;

  async function call(url: string, init: RequestInit, what: string): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (cause) {
      throw new AppError('crypto.key_unavailable', `${what}: ${url} could not be reached`, { cause });
    }
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // Not JSON: reported below with the status.
    }
    if (!res.ok) {
      const err = body.error as { code?: string; message?: string } | string | undefined;
      const detail = typeof err === 'string' ? `${err}: ${String(body.error_description ?? '')}` : err ? `${err.code ?? ''}: ${err.message ?? ''}` : text.slice(0, 200);
      throw new AppError('crypto.key_unavailable', `${what} answered ${res.status} (${detail})`, { details: { status: res.status } });
    }
    return body;
  }

  async function bearer(): Promise<string> {
    if (token && token.until > Date.now()) return token.value;
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: opts.clientId, client_secret: opts.clientSecret, scope });
    const body = await call(`${opts.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(opts.tenantId)}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form }, 'Entra ID token request');
    if (typeof body.access_token !== 'string') throw new AppError('crypto.key_unavailable', 'Entra ID answered without an access_token');
    const ttl = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in ?? 300);
    token = { value: body.access_token, until: Date.now() + Math.max(0, ttl - 60) * 1000 };
    return token.value;
  }

  async function vault(path: string, method: 'GET' | 'POST', what: string, payload?: unknown): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { authorization: `Bearer ${await bearer()}` };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    return call(`${key.vault}${path}?api-version=${KEY_VAULT_API_VERSION}`, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload) }, what);
  }

  function versionOfKid(kid: unknown): string {
    const m = typeof kid === 'string' ? /\/keys\/[^/]+\/([0-9A-Za-z]+)$/.exec(kid) : null;
    if (!m) throw new AppError('crypto.key_unavailable', `Key Vault answered an unexpected kid ${JSON.stringify(kid)}`);
    return m[1]!;
  }

  async function currentVersion(): Promise<string> {
    if (key.version) return key.version;
    if (version && version.until > Date.now()) return version.value;
    const body = await vault(`/keys/${key.name}`, 'GET', `Key Vault get key ${key.name}`);
    const v = versionOfKid((body.key as { kid?: unknown } | undefined)?.kid);
    version = { value: v, until: Date.now() + (opts.versionCacheMs ?? 60_000) };
    return v;
  }

  return {
    kind: 'azure-key-vault',
    async current() {
      return { kekId, kekVersion: await currentVersion() };
    },
    async wrap(dataKey): Promise<WrappedKey> {
      const v = await currentVersion();
      const body = await vault(`/keys/${key.name}/${v}/wrapkey`, 'POST', `Key Vault wrapkey (${key.name}/${v})`, { alg: KEY_VAULT_WRAP_ALG, value: b64url(dataKey) });
      if (typeof body.value !== 'string') throw new AppError('crypto.key_unavailable', 'Key Vault wrapkey answered without a value');
      return { kekId, kekVersion: versionOfKid(body.kid ?? `${kekId}/${v}`), algorithm: KEY_VAULT_WRAP_ALG, wrapped: Buffer.from(body.value, 'base64url') };
    },
    async unwrap(w) {
      if (w.kekId !== kekId) throw new AppError('crypto.key_unavailable', `This data key was wrapped by ${w.kekId}, not by ${kekId}`);
      const body = await vault(`/keys/${key.name}/${w.kekVersion}/unwrapkey`, 'POST', `Key Vault unwrapkey (${key.name}/${w.kekVersion})`, { alg: w.algorithm, value: b64url(w.wrapped) });
      if (typeof body.value !== 'string') throw new AppError('crypto.key_unavailable', 'Key Vault unwrapkey answered without a value');
      return Buffer.from(body.value, 'base64url');
    },
  };
}
