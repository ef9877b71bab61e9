import { existsSync } from 'node:fs';
import type { ConnectionLike } from '@temporalio/client';
import type { Database } from '../db/database';
import { listMigrations } from '../db/migrate';

/** One dependency a process needs before it can serve: resolves when ready, throws (with a reason) when not. */
export type ReadinessCheck = () => Promise<void>;

export interface CheckResult {
  ok: boolean;
  ms: number;
  error?: string;
}

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
        Object.entries(checks).map(async ([name, run]): Promise<[string, CheckResult]> => {
          const t0 = performance.now();
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([run(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)))]);
            return [name, { ok: true, ms: Math.round(performance.now() - t0) }];
          } catch (e) {
            return [name, { ok: false, ms: Math.round(performance.now() - t0), error: (e as Error)?.message ?? String(e) }];
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      const result = Object.fromEntries(entries);
      return { ready: entries.every(([, r]) => r.ok), checks: result };
    },
  };
}

/** Reachable and migrated as far as this build: every migration file is applied (applied_migrations(), migration 0016). */
export function databaseCheck(db: Database, expected: readonly string[] = listMigrations().map((m) => m.name)): ReadinessCheck {
  return async () => {
    const rows = await db.withoutOrg(async (tx) => (await tx.query<{ name: string }>('SELECT applied_migrations() AS name')).rows);
    const applied = new Set(rows.map((r) => r.name));
    const pending = expected.filter((n) => !applied.has(n));
    if (pending.length) throw new Error(`not migrated: ${pending.length} pending (${pending.join(', ')})`);
  };
}

/** The Temporal frontend answers (GetSystemInfo: cheap, needs no namespace). */
export function temporalCheck(connection: ConnectionLike): ReadinessCheck {
  return async () => {
    await connection.workflowService.getSystemInfo({});
  };
}

/** The AI gateway's /healthz answers 200 (baseURL is its …/v1 OpenAI base). */
export function gatewayCheck(baseURL: string): ReadinessCheck {
  const url = new URL('/healthz', baseURL).toString();
  return async () => {
    const r = await fetch(url, { signal: AbortSignal.timeout(1500) });
    await r.body?.cancel();
    if (r.status !== 200) throw new Error(`gateway /healthz answered ${r.status}`);
  };
}

/** Model files the embedded providers load (GGUF, whisper.cpp) exist. */
export function modelFilesCheck(files: readonly string[]): ReadinessCheck {
  return async () => {
    const missing = files.filter((f) => !existsSync(f));
    if (missing.length) throw new Error(`model file missing: ${missing.join(', ')} (npm run setup)`);
  };
}
