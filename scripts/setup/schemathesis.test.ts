import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEMATHESIS_VERSION, schemathesisVenv, setupSchemathesis } from './schemathesis';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'fe-st-setup-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A venv as an install leaves it: the executable and the stamp of `version`. */
function fakeVenv(dataDir: string, version: string) {
  const venv = schemathesisVenv(dataDir);
  mkdirSync(path.join(venv, 'bin'), { recursive: true });
  writeFileSync(path.join(venv, 'bin', 'schemathesis'), '');
  writeFileSync(path.join(venv, 'fe-installed.txt'), `${version}\n`);
}

describe('setupSchemathesis', () => {
  it('keeps a venv stamped with the pinned version and installs nothing', async () => {
    const dataDir = tmp();
    fakeVenv(dataDir, SCHEMATHESIS_VERSION);
    // A python that cannot run: any install attempt would fail.
    await expect(setupSchemathesis({ dataDir, python: path.join(dataDir, 'no-python') })).resolves.toBe(path.join(schemathesisVenv(dataDir), 'bin', 'schemathesis'));
  });

  it('removes a venv of another version and says so when Python is missing', async () => {
    const dataDir = tmp();
    fakeVenv(dataDir, '3.0.0');
    await expect(setupSchemathesis({ dataDir, python: path.join(dataDir, 'no-python') })).rejects.toMatchObject({ code: 'runtime.binary_missing' });
    expect(existsSync(schemathesisVenv(dataDir))).toBe(false);
  });

  it('answers tool.setup_failed when the venv cannot be made', async () => {
    await expect(setupSchemathesis({ dataDir: tmp(), python: 'false' })).rejects.toMatchObject({ code: 'tool.setup_failed' });
  });
});
