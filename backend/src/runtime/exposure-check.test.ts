import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { isLoopbackHost, refuseExposedDevToken } from './exposure-check';
import { startRuntime } from './runtime';
import { silentLog } from './log';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-exposure-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const config = (env: Record<string, string>) => loadConfig({ FE_DATA_DIR: path.join(tmp, 'data'), ...env });

describe('binding the API beyond loopback', () => {
  it('tells loopback interfaces from the others', () => {
    for (const h of ['127.0.0.1', '127.8.9.1', '::1', '[::1]', 'localhost', 'api.localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.org', '::ffff:10.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses a non-loopback FE_API_HOST while the embedded dev identity has the default token, or a short one', () => {
    expect(() => refuseExposedDevToken(config({ FE_API_HOST: '0.0.0.0' }))).toThrow(/well-known default token/);
    expect(() => refuseExposedDevToken(config({ FE_API_HOST: '::' }))).toThrow(/config|FE_DEV_TOKEN/);
    expect(() => refuseExposedDevToken(config({ FE_API_HOST: '10.0.0.5', FE_DEV_TOKEN: 'short-secret' }))).toThrow(/at least 24 characters/);
  });

  it('lets it start on loopback with the default token, beyond loopback with a long token of your own, and with an external database (no dev identity)', () => {
    expect(() => refuseExposedDevToken(config({}))).not.toThrow();
    expect(() => refuseExposedDevToken(config({ FE_API_HOST: 'localhost' }))).not.toThrow();
    expect(() => refuseExposedDevToken(config({ FE_API_HOST: '0.0.0.0', FE_DEV_TOKEN: 'k2V8rQ0wX9mZ4tB7nL1sD6fH3jP5yC' }))).not.toThrow();
    expect(() => refuseExposedDevToken(config({ FE_API_HOST: '0.0.0.0', DATABASE_URL: 'postgres://app@db.internal/fe' }))).not.toThrow();
  });

  it('makes the runtime refuse before it starts anything (no database cluster created)', async () => {
    const c = config({ FE_API_HOST: '0.0.0.0' });
    await expect(startRuntime(c, { api: true, worker: false, log: () => silentLog() })).rejects.toMatchObject({ code: 'config.invalid' });
    expect(existsSync(path.join(tmp, 'data'))).toBe(false);
  });
});
