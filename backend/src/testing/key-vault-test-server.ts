import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Azure Key Vault and the Entra ID token endpoint, speaking their wire
 * formats (api-version 7.4: GET keys/{name}, POST keys/{name}/{version}/wrapkey|unwrapkey with
 * {alg, value: base64url}; POST {tenant}/oauth2/v2.0/token, client-credentials form) with real
 * RSA-OAEP-256 keys, recording every request it received. `rotate()` adds a key version as the
 * vault's own rotation would. Only for tests: the real vault is a paid remote service.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface KeyVaultTestServer {
  url: string;
  keyUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  requests: RecordedRequest[];
  /** Adds a new version of the key and makes it current; returns the version. */
  rotate(): string;
  versions(): string[];
  /** Disables a version (its wrap/unwrap then answers 403 Forbidden, as the vault does). */
  disable(version: string): void;
  close(): Promise<void>;
}

export async function startKeyVaultTestServer(opts: { keyName?: string; tokenTtlSec?: number } = {}): Promise<KeyVaultTestServer> {
  const keyName = opts.keyName ?? 'fe-kek';
  const tenantId = 'test-tenant';
  const clientId = 'test-client';
  const clientSecret = `secret-${randomBytes(8).toString('hex')}`;
  const issued = new Set<string>();
  const keys = new Map<string, { privateKey: KeyObject; publicKey: KeyObject; enabled: boolean }>();
  const order: string[] = [];
  const requests: RecordedRequest[] = [];
  let base = '';

  function rotate(): string {
    const version = randomBytes(16).toString('hex');
    keys.set(version, { ...generateKeyPairSync('rsa', { modulusLength: 2048 }), enabled: true });
    order.push(version);
    return version;
  }
  rotate();

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const vaultError = (res: http.ServerResponse, status: number, code: string, message: string) => send(res, status, { error: { code, message } });

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      requests.push({ method: req.method ?? '', path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, body });
      // Entra ID: client-credentials grant.
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(u.pathname);
      if (token) {
        const form = new URLSearchParams(body);
        if (token[1] !== tenantId || form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
          return send(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
        }
        const t = randomBytes(24).toString('base64url');
        issued.add(t);
        return send(res, 200, { token_type: 'Bearer', expires_in: opts.tokenTtlSec ?? 3599, access_token: t });
      }
      const m = /^\/keys\/([^/]+)(?:\/([^/]+))?(?:\/(wrapkey|unwrapkey))?$/.exec(u.pathname);
      if (!m) return vaultError(res, 404, 'NotFound', 'No such operation');
      const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
      if (!auth || !issued.has(auth[1]!)) {
        res.setHeader('www-authenticate', `Bearer authorization="${base}/${tenantId}", resource="https://vault.azure.net"`);
        return vaultError(res, 401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.');
      }
      if (u.searchParams.get('api-version') !== '7.4') return vaultError(res, 400, 'BadParameter', 'The specified version is not supported');
      const [, name, versionArg, op] = m;
      if (name !== keyName) return vaultError(res, 404, 'KeyNotFound', `A key with (name/id) ${name} was not found in this key vault.`);
      const version = versionArg ?? order.at(-1)!;
      const k = keys.get(version);
      if (!k) return vaultError(res, 404, 'KeyNotFound', `A key with (name/id) ${name}/${version} was not found in this key vault.`);
      const kid = `${base}/keys/${name}/${version}`;
      if (!op && req.method === 'GET') {
        const jwk = k.publicKey.export({ format: 'jwk' });
        return send(res, 200, { key: { kid, kty: 'RSA', key_ops: ['wrapKey', 'unwrapKey'], n: jwk.n, e: jwk.e }, attributes: { enabled: k.enabled } });
      }
      if (req.method !== 'POST' || !op) return vaultError(res, 405, 'BadParameter', 'Method not allowed');
      if (!k.enabled) return vaultError(res, 403, 'Forbidden', 'Operation is not allowed on a disabled key.');
      let p: { alg?: unknown; value?: unknown };
      try {
        p = JSON.parse(body) as { alg?: unknown; value?: unknown };
      } catch {
        return vaultError(res, 400, 'BadParameter', 'Request body is not JSON');
      }
      if (p.alg !== 'RSA-OAEP-256' || typeof p.value !== 'string') return vaultError(res, 400, 'BadParameter', 'alg must be RSA-OAEP-256 and value base64url');
      const input = Buffer.from(p.value, 'base64url');
      try {
        const out = op === 'wrapkey'
          ? publicEncrypt({ key: k.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, input)
          : privateDecrypt({ key: k.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, input);
        return send(res, 200, { kid, value: out.toString('base64url') });
      } catch {
        return vaultError(res, 400, 'BadParameter', 'Unwrap failed: the value was not wrapped by this key version');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    keyUrl: `${base}/keys/${keyName}`,
    tenantId,
    clientId,
    clientSecret,
    requests,
    rotate,
    versions: () => [...order],
    disable(version) {
      const k = keys.get(version);
      if (k) k.enabled = false;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
