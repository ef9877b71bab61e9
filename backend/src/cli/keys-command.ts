// `feedback keys init | status | rotate | retire <version> | seal-legacy [--database-url <url>]`.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { answerUsage, parseArgsMessage } from './usage';
import { loadConfig, type Config } from '../config';
import { blobKeysOf, createLocalBlobStore, loadLegacyMasterKey } from '../blobs/local-blob-store';
import { createDataKeys } from '../crypto/data-keys';
import { openKeyProvider } from '../crypto/key-setup';
import { kekVersionsInUse, listOrgIds, rewrapDataKeys } from '../crypto/key-rotation';
import { sealLegacyRows } from '../crypto/legacy-sealing';
import { addKeyVersion, ensureKeyFile, readKeyFile, removeKeyVersion } from '../crypto/local-key-file';
import { createDatabase } from '../db/database';
import { migrate } from '../db/migrate';
import { startEmbeddedPostgres } from '../runtime/embedded-postgres';

export const keysUsage = `Usage:
  feedback keys init
      Create the local key-encryption key file (FE_KEK_FILE) if it does not exist (mode 600).
  feedback keys status [--database-url <url>]
      The current key-encryption key version and how many org data keys each version wraps.
  feedback keys rotate [--database-url <url>]
      Local key file: add a new KEK version and make it current. Azure Key Vault: use the key's
      current version (rotate it in the vault first). Then re-wrap every org's data key under it;
      no data is re-encrypted. Old versions stay readable until retired.
  feedback keys retire <version> [--database-url <url>]
      Remove an old KEK version from the key file, refused while any data key is wrapped with it.
  feedback keys seal-legacy [--database-url <url>]
      One-off migration of data written before per-org keys: re-encrypt blobs of the old
      single-master-key format and seal plaintext rows (titles, names, consents, transcripts,
      analyses). Afterwards FE_BLOB_MASTER_KEY / <data>/keys/blob-master.key can be removed.
  Without --database-url: DATABASE_URL, else the embedded PostgreSQL under FE_DATA_DIR (stop
  \`npm start\` first). Exit code 0 on success, 1 when refused, 2 on a usage or connection error.`;

async function withDatabase<T>(config: Config, explicitUrl: string | undefined, fn: (url: string) => Promise<T>): Promise<T> {
  // Listing every org needs the owner (a member of fe_identity_resolver), not the app login.
  let url = explicitUrl ?? config.databaseMigrateUrl ?? config.databaseUrl;
  let stop: (() => Promise<void>) | undefined;
  if (!url) {
    console.error('Starting the embedded PostgreSQL…');
    const server = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pg'), port: config.embeddedPgPort });
    stop = () => server.stop();
    url = server.url;
  }
  try {
    await migrate(url);
    return await fn(url);
  } finally {
    await stop?.();
  }
}

/** The `keys` command: returns the exit code. */
export async function runKeysCommand(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    return answerUsage('keys', parseArgsMessage(e), keysUsage);
  }
  const { values, positionals } = parsed;
  const [sub, arg] = positionals;
  const arity = new Map<string | undefined, number>([['init', 1], ['status', 1], ['rotate', 1], ['retire', 2], ['seal-legacy', 1]]);
  if (values.help) return answerUsage('keys', '', keysUsage);
  if (!arity.has(sub)) return answerUsage('keys', sub ? `Unknown action '${sub}'.` : `Name an action: ${[...arity.keys()].join(', ')}.`, keysUsage);
  if (arity.get(sub) !== positionals.length) return answerUsage('keys', sub === 'retire' && !arg ? 'Name the key version to retire.' : `Unexpected argument(s): ${positionals.slice(arity.get(sub)).join(' ')}`, keysUsage);
  const log = (m: string) => console.error(m);
  try {
    const config = loadConfig({ LOG_LEVEL: 'warn', ...env });
    if (sub === 'init') {
      if (config.keyProvider !== 'local-file') throw new Error(`FE_KEY_PROVIDER=${config.keyProvider} keeps its key outside this machine: nothing to create`);
      const created = await ensureKeyFile(config.derived.kekFile);
      console.log(`${created ? 'created' : 'exists'}: ${config.derived.kekFile}`);
      return 0;
    }
    const provider = await openKeyProvider(config, log);
    const keys = createDataKeys({ provider, cacheMs: 0 });
    return await withDatabase(config, values['database-url'], async (url) => {
      const db = createDatabase(url, { max: 2, applicationName: 'feedback-keys', keys });
      try {
        const orgs = await listOrgIds(url);
        if (sub === 'status') {
          const current = await provider.current();
          console.log(`current: ${current.kekId} version ${current.kekVersion}`);
          if (provider.kind === 'local-file') console.log(`key file versions: ${Object.keys((await readKeyFile(config.derived.kekFile)).versions).join(', ')}`);
          for (const v of await kekVersionsInUse(db, orgs)) console.log(`${v.kekId} version ${v.kekVersion}: wraps ${v.dataKeys} data key(s)`);
          return 0;
        }
        if (sub === 'rotate') {
          if (provider.kind === 'local-file') log(`added key-encryption key version ${await addKeyVersion(config.derived.kekFile)}`);
          const r = await rewrapDataKeys(db, orgs, { provider, log });
          console.log(`re-wrapped ${r.rewrapped} data key(s) under ${r.current.kekId} version ${r.current.kekVersion} (${r.alreadyCurrent} already were); no data re-encrypted`);
          return 0;
        }
        if (sub === 'retire') {
          const current = await provider.current();
          if (arg === current.kekVersion) {
            console.error(`Version ${arg} is the current key-encryption key: rotate first.`);
            return 1;
          }
          const inUse = (await kekVersionsInUse(db, orgs)).filter((v) => v.kekProvider === provider.kind && v.kekId === current.kekId && v.kekVersion === arg);
          const n = inUse.reduce((s, v) => s + v.dataKeys, 0);
          if (n > 0) {
            console.error(`Version ${arg} still wraps ${n} data key(s): run \`feedback keys rotate\` first; nothing retired.`);
            return 1;
          }
          if (provider.kind === 'local-file') {
            await removeKeyVersion(config.derived.kekFile, arg!);
            console.log(`retired version ${arg}: removed from ${config.derived.kekFile}`);
          } else {
            console.log(`no data key is wrapped with ${current.kekId} version ${arg}: it can be disabled in the vault`);
          }
          return 0;
        }
        const legacyMasterKey = await loadLegacyMasterKey({ configured: config.blobMasterKey, keyFile: config.derived.legacyMasterKeyFile });
        const blobs = createLocalBlobStore({ rootDir: config.derived.blobsDir, keys: blobKeysOf(db, keys), legacyMasterKey });
        const b = await blobs.sealLegacy(log);
        const rows = await sealLegacyRows(db, orgs, log);
        console.log(`blobs: ${b.upgraded} re-encrypted under their org's data key, ${b.current} already were`);
        console.log(`rows sealed: ${Object.entries(rows.values).map(([k, n]) => `${k} ${n}`).join(', ')}`);
        if (legacyMasterKey) console.log(`The legacy master key is no longer needed: remove FE_BLOB_MASTER_KEY / ${config.derived.legacyMasterKeyFile}.`);
        return 0;
      } finally {
        await db.close();
      }
    });
  } catch (e) {
    const err = e as { code?: string; message: string };
    console.error(`keys ${sub} failed${err.code ? ` [${err.code}]` : ''}: ${err.message}`);
    return 2;
  }
}
