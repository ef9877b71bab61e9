import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConnectionLike } from '@temporalio/client';
import { AppError, isAppError, type ErrorCode, type ErrorData } from '../../../app/contracts/errors';
import type { Database } from '../db/database';
import { listMigrations } from '../db/migrate';

/**
 * One dependency a process needs before it can serve. `run` resolves when ready and throws when not:
 * an AppError with its own code, or anything else, which reads as `code` (as does no answer in time).
 */
export interface ReadinessCheck {
  code: ErrorCode;
  run(): Promise<void>;
}

export type CheckResult = { ok: true; ms: number } | { ok: false; ms: number; error: ErrorData };

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

export interface Readiness {
  names: readonly string[];
  check(): Promise<ReadinessReport>;
}

/** All checks run at once, each bounded by timeoutMs so a hung dependency reads as not ready rather than a hung probe. */
export function createReadiness(checks: Record<string, ReadinessCheck>, opts: { timeoutMs?: number } = {}): Readiness {
  const timeoutMs = opts.timeoutMs ?? 2000;
  return {
    names: Object.keys(checks),
    async check() {
      const entries = await Promise.all(
        Object.entries(checks).map(async ([name, { code, run }]): Promise<[string, CheckResult]> => {
          const t0 = performance.now();
          const ms = () => Math.round(performance.now() - t0);
          let timer: NodeJS.Timeout | undefined;
          try {
            const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new AppError(code, `${name}: no answer within ${timeoutMs} ms`)), timeoutMs)));
            await Promise.race([run(), late]);
            return [name, { ok: true, ms: ms() }];
          } catch (e) {
            const error = isAppError(e) ? { code: e.code, message: e.message } : { code, message: `${name}: ${(e as Error)?.message ?? String(e)}` };
            return [name, { ok: false, ms: ms(), error }];
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      return { ready: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
    },
  };
}

const reason = (e: unknown) => ((e as Error)?.message || String(e)).replace(/\.$/, '');

/** Reachable and migrated as far as this build: every migration file is applied (applied_migrations(), migration 0016). */
export function databaseCheck(db: Database, expected: readonly string[] = listMigrations().map((m) => m.name)): ReadinessCheck {
  return {
    code: 'ready.database_unreachable',
    async run() {
      let rows: Array<{ name: string }>;
      try {
        rows = await db.withoutOrg(async (tx) => (await tx.query<{ name: string }>('SELECT applied_migrations() AS name')).rows);
      } catch (e) {
        // 42883 undefined_function: a database from before migration 0016 answers, but is not migrated.
        if ((e as { code?: unknown })?.code === '42883') throw new AppError('ready.database_not_migrated', `The database is not migrated: ${reason(e)}.`);
        throw new AppError('ready.database_unreachable', `The database does not answer: ${reason(e)}.`);
      }
      const applied = new Set(rows.map((r) => r.name));
      const pending = expected.filter((n) => !applied.has(n));
      if (pending.length) throw new AppError('ready.database_not_migrated', `The database is not migrated: ${pending.length} pending (${pending.join(', ')}).`);
    },
  };
}

/**
 * The Temporal frontend answers (GetSystemInfo: cheap, needs no namespace). The client retries an
 * unavailable server for longer than a check may take: the call's own deadline ends it first, so the
 * answer says why (UNAVAILABLE, DEADLINE_EXCEEDED) instead of only that time ran out.
 */
export function temporalCheck(connection: ConnectionLike, deadlineMs = 1500): ReadinessCheck {
  return {
    code: 'ready.temporal_unreachable',
    async run() {
      try {
        await connection.withDeadline(Date.now() + deadlineMs, () => connection.workflowService.getSystemInfo({}));
      } catch (e) {
        throw new AppError('ready.temporal_unreachable', `Temporal does not answer within ${deadlineMs} ms: ${reason(e)}.`);
      }
    },
  };
}

/** The AI gateway's /healthz answers 200 (baseURL is its …/v1 OpenAI base). */
export function gatewayCheck(baseURL: string): ReadinessCheck {
  const url = new URL('/healthz', baseURL).toString();
  return {
    code: 'ready.gateway_unreachable',
    async run() {
      let status: number;
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(1500) });
        await r.body?.cancel();
        status = r.status;
      } catch (e) {
        const cause = (e as { cause?: unknown })?.cause;
        throw new AppError('ready.gateway_unreachable', `The AI gateway does not answer at ${url}: ${reason(cause ?? e)}.`);
      }
      if (status !== 200) throw new AppError('ready.gateway_unhealthy', `The AI gateway answered ${status} at ${url}.`);
    },
  };
}

/** Model files the embedded providers load (GGUF, whisper.cpp) exist. */
export function modelFilesCheck(files: readonly string[]): ReadinessCheck {
  return {
    code: 'ready.models_missing',
    async run() {
      const missing = files.filter((f) => !existsSync(f));
      if (missing.length) throw new AppError('ready.models_missing', `Model file missing: ${missing.join(', ')} (npm run setup).`);
    },
  };
}

/**
 * The local blob store's folder takes a file: a probe is written and removed (a read-only or full
 * volume, or a file where the folder should be, fails here rather than at the next upload).
 */
export function blobsCheck(rootDir: string): ReadinessCheck {
  return {
    code: 'ready.blobs_unwritable',
    async run() {
      const probe = path.join(rootDir, `.readyz-${process.pid}`);
      try {
        await mkdir(rootDir, { recursive: true, mode: 0o700 });
        await writeFile(probe, '', { mode: 0o600 });
        await rm(probe, { force: true });
      } catch (e) {
        throw new AppError('ready.blobs_unwritable', `The blob folder ${rootDir} cannot be written: ${reason(e)}.`);
      }
    },
  };
}
