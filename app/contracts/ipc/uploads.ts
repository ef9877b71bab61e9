import { z } from 'zod';
import { Id } from '../api';
import { ErrorData } from '../errors';
import type { ContractMap, EventContract } from '../ipc-contract';
import { IsoTime, NoInput, Sha256 } from './common';

/**
 * `queued`: will start when the queue gets to it; `uploading`: bytes are moving; `waiting`: the last
 * attempt failed in a way worth retrying (offline, server busy) and the next one is at `nextAttemptAt`;
 * `failed`: the server refused the recording (see `error.code`), only `uploads:retry` tries again.
 */
export const UploadState = z.enum(['queued', 'uploading', 'waiting', 'completed', 'failed', 'cancelled']);
export type UploadState = z.infer<typeof UploadState>;

export const UploadItem = z.object({
  id: z.string().min(1),
  sessionId: Id,
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: Sha256,
  state: UploadState,
  bytesSent: z.number().int().nonnegative(),
  attempts: z.number().int().nonnegative(),
  /** The tus upload URL once the server created it; persisted so an app restart resumes there. */
  uploadUrl: z.string().nullable(),
  error: ErrorData.nullable(),
  nextAttemptAt: IsoTime.nullable(),
  createdAt: IsoTime,
  completedAt: IsoTime.nullable(),
  /** The backend's recording id, from the finishing response. */
  recordingId: z.string().nullable(),
});
export type UploadItem = z.infer<typeof UploadItem>;

export const UploadsContract = {
  /** Queues the finished (or recovered) recording of a session; enqueuing it again returns the existing item. */
  'uploads:enqueue': { input: z.object({ sessionId: Id }), output: UploadItem },
  'uploads:list': { input: NoInput, output: z.array(UploadItem) },
  /** Tries a waiting or failed item now. */
  'uploads:retry': { input: z.object({ id: z.string().min(1) }), output: UploadItem },
  'uploads:cancel': { input: z.object({ id: z.string().min(1) }), output: UploadItem },
} satisfies ContractMap;

export const UploadEvents = {
  /** Every state change and every acknowledged chunk. */
  'uploads:progress': UploadItem,
} satisfies EventContract;
