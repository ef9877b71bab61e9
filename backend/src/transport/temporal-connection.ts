import { readFileSync } from 'node:fs';
import { AppError } from '../../../app/contracts/errors';
import type { Config } from '../config';

/**
 * How to reach the Temporal frontend, in the shape both SDK connections take (`Connection` of
 * @temporalio/client for the API's client, `NativeConnection` of @temporalio/worker): TLS with an
 * optional private CA, an mTLS client certificate and an SNI/name override, and/or an API key.
 */
export interface TemporalConnectionOptions {
  address: string;
  /** `true`: TLS with the system CAs. Absent: plain gRPC (the embedded dev server on loopback). */
  tls?: true | { serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer }; serverNameOverride?: string };
  /** Sent as `authorization: Bearer …` (Temporal Cloud API keys). */
  apiKey?: string;
}

type TemporalTlsConfig = Pick<Config, 'temporalTlsEnabled' | 'temporalTlsCaFile' | 'temporalTlsCertFile' | 'temporalTlsKeyFile' | 'temporalTlsServerName' | 'temporalApiKey'>;

const read = (file: string, key: string) => {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new AppError('config.invalid', `${key}=${file} cannot be read: ${(e as Error).message}`, { cause: e });
  }
};

/**
 * The connection options FE_TEMPORAL_TLS_* and FE_TEMPORAL_API_KEY describe, files read once here.
 * Any of them turns TLS on: an API key or a client certificate must never travel in clear.
 */
export function temporalConnectionOptions(config: TemporalTlsConfig, address: string): TemporalConnectionOptions {
  const custom = {
    ...(config.temporalTlsCaFile ? { serverRootCACertificate: read(config.temporalTlsCaFile, 'FE_TEMPORAL_TLS_CA_FILE') } : {}),
    ...(config.temporalTlsCertFile && config.temporalTlsKeyFile ? { clientCertPair: { crt: read(config.temporalTlsCertFile, 'FE_TEMPORAL_TLS_CERT_FILE'), key: read(config.temporalTlsKeyFile, 'FE_TEMPORAL_TLS_KEY_FILE') } } : {}),
    ...(config.temporalTlsServerName ? { serverNameOverride: config.temporalTlsServerName } : {}),
  };
  const tls = Object.keys(custom).length ? custom : config.temporalTlsEnabled || config.temporalApiKey ? true : undefined;
  return { address, ...(tls ? { tls } : {}), ...(config.temporalApiKey ? { apiKey: config.temporalApiKey } : {}) };
}
