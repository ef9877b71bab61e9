import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open as openFile, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../app/contracts/errors';
import { associatedData, open, seal } from './aead';
import type { KeyProvider, WrappedKey } from './key-provider';

/**
 * The key-encryption key in a local file (mode 600, outside the data folder by default, so a copy
 * of the data folder or its backup does not carry the key that opens it). The file keeps every
 * version not yet retired: `feedback keys rotate` adds one and makes it current, re-wraps the data
 * keys, and `feedback keys retire <version>` drops an old one once nothing is wrapped with it.
 */
export const KEY_FILE_FORMAT = 'feedback-evaluation/kek-file/1';
export const LOCAL_KEK_ID = 'local-file';

const KeyFile = z.object({
  format: z.literal(KEY_FILE_FORMAT),
  current: z.string().regex(/^\d+$/),
  versions: z.record(z.string().regex(/^\d+$/), z.object({ key: z.string().regex(/^[A-Za-z0-9+/]{43}=$/), createdAt: z.string() })),
});
type KeyFile = z.infer<typeof KeyFile>;

/** The parsed key file; refuses one that group or others may read or write. */
export async function readKeyFile(file: string): Promise<KeyFile> {
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('crypto.key_unavailable', `The key file ${file} does not exist (create it with \`feedback keys init\`, or start the embedded runtime once)`);
    throw e;
  }
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new AppError('config.invalid', `The key file ${file} is accessible to group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 ${file}`);
  }
  let parsed;
  try {
    parsed = KeyFile.safeParse(JSON.parse(await readFile(file, 'utf8')));
  } catch (cause) {
    throw new AppError('config.invalid', `The key file ${file} is not JSON`, { cause });
  }
  if (!parsed.success) throw new AppError('config.invalid', `The key file ${file} is not a ${KEY_FILE_FORMAT} file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (!parsed.data.versions[parsed.data.current]) throw new AppError('config.invalid', `The key file ${file} names current version ${parsed.data.current}, which it does not hold`);
  return parsed.data;
}

async function writeKeyFile(file: string, content: KeyFile, opts: { exclusive: boolean }): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const body = `${JSON.stringify(content, null, 2)}\n`;
  if (opts.exclusive) {
    const fh = await openFile(file, 'wx', 0o600);
    try {
      await fh.writeFile(body);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return;
  }
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await openFile(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await chmod(tmp, 0o600);
  await rename(tmp, file).catch(async (e: unknown) => {
    await rm(tmp, { force: true });
    throw e;
  });
}

const newVersion = () => ({ key: randomBytes(32).toString('base64'), createdAt: new Date().toISOString() });

/** Creates the key file with version 1 when it does not exist. Returns true when it created it. */
export async function ensureKeyFile(file: string): Promise<boolean> {
  try {
    await writeKeyFile(file, { format: KEY_FILE_FORMAT, current: '1', versions: { '1': newVersion() } }, { exclusive: true });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      await readKeyFile(file);
      return false;
    }
    throw e;
  }
}

/** Adds a new KEK version and makes it the one new wraps use; returns it. */
export async function addKeyVersion(file: string): Promise<string> {
  const f = await readKeyFile(file);
  const next = String(Math.max(...Object.keys(f.versions).map(Number)) + 1);
  await writeKeyFile(file, { ...f, current: next, versions: { ...f.versions, [next]: newVersion() } }, { exclusive: false });
  return next;
}

/** Removes an old KEK version (the caller has checked that nothing is wrapped with it any more). */
export async function removeKeyVersion(file: string, version: string): Promise<void> {
  const f = await readKeyFile(file);
  if (version === f.current) throw new AppError('request.invalid', `Version ${version} is the current key-encryption key; rotate first`);
  if (!f.versions[version]) throw new AppError('request.invalid', `The key file holds no version ${version}`);
  const versions = { ...f.versions };
  delete versions[version];
  await writeKeyFile(file, { ...f, versions }, { exclusive: false });
}

/**
 * KEK provider over the key file. The file is read on every wrap and unwrap (both are rare: data
 * keys are cached once unwrapped), so a rotation by the CLI takes effect without a restart.
 */
export function createLocalKeyFileProvider(opts: { file: string }): KeyProvider {
  const aad = (version: string) => associatedData('fe-kek-wrap/1', LOCAL_KEK_ID, version);
  return {
    kind: 'local-file',
    async current() {
      const f = await readKeyFile(opts.file);
      return { kekId: LOCAL_KEK_ID, kekVersion: f.current };
    },
    async wrap(dataKey): Promise<WrappedKey> {
      const f = await readKeyFile(opts.file);
      const kek = Buffer.from(f.versions[f.current]!.key, 'base64');
      return { kekId: LOCAL_KEK_ID, kekVersion: f.current, algorithm: 'A256GCM', wrapped: seal(kek, dataKey, aad(f.current)) };
    },
    async unwrap(w) {
      if (w.kekId !== LOCAL_KEK_ID || w.algorithm !== 'A256GCM') throw new AppError('crypto.key_unavailable', `This data key was wrapped by ${w.kekId} (${w.algorithm}), not by the local key file`);
      const f = await readKeyFile(opts.file);
      const v = f.versions[w.kekVersion];
      if (!v) throw new AppError('crypto.key_unavailable', `The key file ${opts.file} no longer holds version ${w.kekVersion} of the key-encryption key (retired?)`);
      return open(Buffer.from(v.key, 'base64'), w.wrapped, aad(w.kekVersion), 'data key');
    },
  };
}
