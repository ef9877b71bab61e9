import { chmod, mkdir, open, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileConfigstore, FileStore } from '@tus/file-store';
import type { Upload } from '@tus/server';

/**
 * Unfinished uploads are plaintext audio until they complete and move into the encrypted blob
 * store, so they are readable by this user only: the folder 700, every file (data and its .json
 * metadata) 600 from the moment it is created. @tus/file-store creates them with the process umask
 * (usually 644) and the folder 777, hence this subclass (docs/decisions/015). Expiry is tus'
 * expiration extension: `expirationPeriodInMilliseconds` after creation an unfinished upload is
 * removed by `deleteExpired` (the Upload-Expires header tells the client).
 */
function inside(directory: string, name: string): string {
  const root = path.resolve(directory);
  const file = path.resolve(root, name);
  if (!file.startsWith(root + path.sep)) throw new Error(`Upload id ${JSON.stringify(name)} escapes the uploads folder`);
  return file;
}

class PrivateConfigstore extends FileConfigstore {
  constructor(private readonly folder: string) {
    super(folder);
  }

  override async set(key: string, value: Upload): Promise<void> {
    const file = inside(this.folder, `${key}.json`);
    await writeFile(file, JSON.stringify(value), { mode: 0o600 });
    await chmod(file, 0o600);
  }
}

export class PrivateFileStore extends FileStore {
  constructor(opts: { directory: string; expirationPeriodInMilliseconds: number }) {
    super({ directory: opts.directory, expirationPeriodInMilliseconds: opts.expirationPeriodInMilliseconds, configstore: new PrivateConfigstore(opts.directory) });
  }

  override async create(file: Upload): Promise<Upload> {
    const filePath = inside(this.directory, file.id);
    await mkdir(path.dirname(filePath), { recursive: true, mode: 0o700 });
    await chmod(this.directory, 0o700);
    const fh = await open(filePath, 'wx', 0o600);
    await fh.close();
    await this.configstore.set(file.id, file);
    file.storage = { type: 'file', path: filePath };
    return file;
  }
}

/** Tightens what an older version left in the uploads folder (0644 files, a 0777 folder). */
export async function tightenUploadsFolder(directory: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  await chmod(directory, 0o700);
  for (const n of names) await chmod(path.join(directory, n), 0o600).catch(() => undefined);
  return names.length;
}
