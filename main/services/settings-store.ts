import { z } from 'zod';
import { AppError } from '../../app/contracts/errors';
import { Settings } from '../../app/contracts/ipc/settings';
import { readJsonFile, writeJsonAtomic } from './atomic-file';

export interface SettingsStore {
  get(): Promise<Settings>;
  update(patch: Partial<Settings>): Promise<Settings>;
}

/** Settings in one JSON file; missing keys take their defaults, a file that does not parse fails loudly naming the key. */
export function createSettingsStore(opts: { file: string; onChange?: (s: Settings) => void }): SettingsStore {
  let cached: Settings | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  async function load(): Promise<Settings> {
    if (cached) return cached;
    try {
      cached = (await readJsonFile(opts.file, Settings)) ?? Settings.parse({});
    } catch (e) {
      const detail = e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') : e instanceof Error ? e.message : String(e);
      throw new AppError('config.invalid', `The settings file ${opts.file} is invalid: ${detail}`, { cause: e });
    }
    return cached;
  }

  return {
    get: load,
    update(patch) {
      const run = chain.then(async () => {
        const next = Settings.parse({ ...(await load()), ...patch });
        await writeJsonAtomic(opts.file, next);
        cached = next;
        opts.onChange?.(next);
        return next;
      });
      chain = run.catch(() => undefined);
      return run;
    },
  };
}
