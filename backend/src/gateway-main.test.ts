import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDataDir } from './paths';
import { ensureKeyFile } from './crypto/local-key-file';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './runtime/embedded-postgres';
import { provisionEmbeddedLogins } from './runtime/database-logins';
import { freePort } from './runtime/free-port';
import { allReady, onlyFailed, readyzUntil, spawnEntry } from './testing/readyz-probe';

describe('the AI gateway on its own (gateway-main)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('answers /readyz with ready.database_unreachable while its PostgreSQL is stopped and ready.models_missing while its whisper.cpp model is gone, and 200 again when each is back', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-gateway-readyz-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));

    let pg: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), ephemeral: true });
    cleanups.push(() => pg.stop());
    const logins = await provisionEmbeddedLogins(pg.adminUrl, pg.url);
    await ensureKeyFile(path.join(dir, 'kek.json'));
    // Readiness asks only that the file is there; whisper.cpp loads it at the first transcription.
    const sttModel = path.join(dir, 'ggml-test.bin');
    writeFileSync(sttModel, 'model');

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const gateway = await spawnEntry(
      'gateway-main.ts',
      {
        ...process.env,
        FE_DATA_DIR: path.join(dir, 'data'),
        FE_KEK_FILE: path.join(dir, 'kek.json'),
        DATABASE_URL: logins.appUrl,
        FE_DATABASE_URL_MIGRATE: logins.ownerUrl,
        // The chat model upstream; speech-to-text stays on the embedded whisper.cpp.
        FE_LLM_BASE_URL: 'http://127.0.0.1:9/v1',
        FE_STT_MODEL_PATH: sttModel,
        FE_POLICY_BUNDLE_DIR: path.join(defaultDataDir, 'policy'),
        FE_GATEWAY_PORT: String(port),
        LOG_LEVEL: 'warn',
      },
      url,
    );
    cleanups.push(() => gateway.stop());

    const up = await readyzUntil(url, allReady);
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(Object.keys(up.body.checks).sort()).toEqual(['database', 'models']);

    await pg.stop();
    const noDb = await readyzUntil(url, onlyFailed('ready.database_unreachable'), 10_000);
    expect(noDb.body.checks.database, JSON.stringify(noDb.body)).toMatchObject({ ok: false, error: { code: 'ready.database_unreachable', message: expect.stringMatching(/^The database does not answer: \S/) } });
    pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: pg.port, ephemeral: true });
    expect((await readyzUntil(url, allReady)).status).toBe(200);

    rmSync(sttModel);
    const noModel = await readyzUntil(url, onlyFailed('ready.models_missing'), 10_000);
    expect(noModel.body.checks.models, JSON.stringify(noModel.body)).toMatchObject({ ok: false, error: { code: 'ready.models_missing', message: expect.stringContaining(sttModel) } });
    writeFileSync(sttModel, 'model');
    expect((await readyzUntil(url, allReady)).status).toBe(200);

    expect(gateway.child.exitCode).toBeNull();
  }, 300_000);
});
