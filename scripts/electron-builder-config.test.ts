import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../backend/src/paths';

const require = createRequire(import.meta.url);
const config = parse(readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;

describe('electron-builder.yml', () => {
  it('is valid for the installed electron-builder (its own schema check)', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration: (c: unknown, log: { isEnabled: boolean; add(): void }) => Promise<void> };
    await expect(validateConfiguration(config, { isEnabled: false, add: () => undefined })).resolves.toBeUndefined();
    // The check is real: a misspelt fuse is refused.
    await expect(validateConfiguration({ ...config, electronFuses: { runAsNod: false } }, { isEnabled: false, add: () => undefined })).rejects.toThrow(/electronFuses/);
  });

  it('flips the fuses that close Node.js, debugger and file:// entry points and pins the app to its asar', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.asar).toBe(true);
  });
});
