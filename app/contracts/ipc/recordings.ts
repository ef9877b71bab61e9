import { z } from 'zod';
import { Id } from '../api';
import type { ContractMap, EventContract } from '../ipc-contract';
import { Bytes, IsoTime, NoInput, Sha256 } from './common';

/** A finished (or recovered) recording on disk, ready to upload. */
export const RecordingRef = z.object({
  sessionId: Id,
  path: z.string(),
  mimeType: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: Sha256,
  durationSec: z.number().nonnegative().optional(),
  /** True when the recording was interrupted (crash) and rebuilt by `recordings:recover`. */
  recovered: z.boolean(),
});
export type RecordingRef = z.infer<typeof RecordingRef>;

/** `interrupted`: started by an earlier run of the app and never finished; `recordings:recover` makes it uploadable. */
export const RecordingState = z.enum(['recording', 'interrupted', 'finished']);
export type RecordingState = z.infer<typeof RecordingState>;

export const RecordingSummary = z.object({
  sessionId: Id,
  mimeType: z.string(),
  state: RecordingState,
  startedAt: IsoTime,
  /** Chunks accepted so far: the next `seq` to send. */
  nextSeq: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  finished: RecordingRef.nullable(),
});
export type RecordingSummary = z.infer<typeof RecordingSummary>;

export const RecordingsContract = {
  /** Opens (or, for the same session in the same run, reopens) a recording. */
  'recordings:start': { input: z.object({ sessionId: Id, mimeType: z.string().trim().min(1).max(100) }), output: RecordingSummary },
  /**
   * Appends one encoded chunk (MediaRecorder, every ≤ 1 s) and fsyncs it. `seq` starts at 0. A chunk
   * already stored (same seq, same bytes) is acknowledged again with `duplicate: true`; a gap is
   * refused with `recording.sequence_gap`, different bytes for a stored seq with `recording.sequence_conflict`.
   */
  'recordings:append': {
    input: z.object({ sessionId: Id, seq: z.number().int().nonnegative(), chunk: Bytes }),
    output: z.object({ seq: z.number().int(), bytes: z.number().int().nonnegative(), duplicate: z.boolean() }),
  },
  'recordings:finish': { input: z.object({ sessionId: Id }), output: RecordingRef },
  'recordings:list': { input: NoInput, output: z.array(RecordingSummary) },
  /** Rebuilds an interrupted recording (cut mid-cluster by a crash) into a whole file. */
  'recordings:recover': { input: z.object({ sessionId: Id }), output: RecordingRef },
} satisfies ContractMap;

export const RecordingEvents = {
  'recordings:changed': RecordingSummary,
} satisfies EventContract;
