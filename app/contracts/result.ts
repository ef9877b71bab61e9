import type { ErrorData } from './errors';

/** What crosses a process boundary (IPC, WebSocket, HTTP body): never a throw. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorData };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const err = (error: ErrorData): Result<never> => ({ ok: false, error });
