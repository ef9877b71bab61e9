import { z } from 'zod';

/** Shared pieces of the IPC contracts. */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits');
/** Inputs of channels that take nothing: callers may pass `{}` or nothing at all. */
export const NoInput = z.object({}).strict().default({});
/** Encoded media crosses IPC as a typed array (structured clone) and the WebSocket bridge as `{ $bytes: base64 }`. */
export const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes (Uint8Array)').refine((b) => b.byteLength <= 16 * 1024 * 1024, 'a chunk may hold at most 16 MiB');
export const IsoTime = z.string().datetime();
