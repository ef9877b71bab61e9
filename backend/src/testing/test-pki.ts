// @peculiar/x509 needs a Reflect metadata polyfill loaded before it (its README).
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

/** A PEM certificate and its PKCS#8 private key. */
export interface CertAndKey {
  cert: string;
  key: string;
}

export interface TestPki {
  /** The CA certificate (PEM) a client trusts. */
  ca: string;
  /** A leaf signed by the CA for `names` (DNS names or IP addresses), for TLS servers. */
  server(names: string[]): Promise<CertAndKey>;
  /** A leaf signed by the CA for client authentication (mTLS), with `commonName` as its subject. */
  client(commonName: string): Promise<CertAndKey>;
}

// @peculiar/x509 is typed with the DOM's WebCrypto types; node's are the same objects.
type X509Crypto = Parameters<typeof x509.cryptoProvider.set>[0];
type X509Keys = x509.X509CertificateCreateSelfSignedParams['keys'];
type X509Key = x509.X509CertificateCreateWithKeyParams['signingKey'];

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+:[0-9a-fA-F:]*)$/;

const pem = (label: string, der: ArrayBuffer) => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`;

/** A throw-away certificate authority generated in the test (@peculiar/x509 over node's WebCrypto). */
export async function createTestPki(name = 'Feedback Evaluation Test CA'): Promise<TestPki> {
  x509.cryptoProvider.set(webcrypto as unknown as X509Crypto);
  const caKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 24 * 3600_000);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys: caKeys as unknown as X509Keys,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true), await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey as unknown as X509Key)],
  });
  const leaf = async (subject: string, usage: x509.ExtendedKeyUsage, extra: x509.Extension[]): Promise<CertAndKey> => {
    const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.create({
      subject,
      issuer: caCert.subject,
      publicKey: keys.publicKey as unknown as X509Key,
      signingKey: caKeys.privateKey as unknown as X509Key,
      notBefore,
      notAfter,
      signingAlgorithm: ALG,
      extensions: [new x509.BasicConstraintsExtension(false, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), new x509.ExtendedKeyUsageExtension([usage]), await x509.AuthorityKeyIdentifierExtension.create(caCert), ...extra],
    });
    return { cert: cert.toString('pem') + '\n', key: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
  };
  return {
    ca: caCert.toString('pem') + '\n',
    server: (names) => leaf(`CN=${names[0] ?? 'localhost'}`, x509.ExtendedKeyUsage.serverAuth, [new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: IP.test(n) ? 'ip' : 'dns', value: n })))]),
    client: (commonName) => leaf(`CN=${commonName}`, x509.ExtendedKeyUsage.clientAuth, []),
  };
}

/** Writes a certificate and key as `<name>.crt` / `<name>.key` (mode 600) under `dir`; returns their paths. */
export function writeCertFiles(dir: string, name: string, pair: CertAndKey): { certFile: string; keyFile: string } {
  mkdirSync(dir, { recursive: true });
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  writeFileSync(certFile, pair.cert);
  writeFileSync(keyFile, pair.key, { mode: 0o600 });
  return { certFile, keyFile };
}
