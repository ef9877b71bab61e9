import { z } from 'zod';
import { Id } from '../api';
import { Segment } from '../../transcript/transcript';
import type { ContractMap, EventContract } from '../ipc-contract';
import { IsoTime } from './common';

/** The on-device draft transcript of a session (channel = speaker), stored locally, offline too. */
export const DraftTranscript = z.object({
  sessionId: Id,
  /** Sorted by start time, both channels interleaved. */
  segments: z.array(Segment),
  /** True once the full draft after the call is written; live captions leave it false. */
  complete: z.boolean(),
  engine: z.object({ name: z.string(), model: z.string() }).nullable(),
  updatedAt: IsoTime.nullable(),
});
export type DraftTranscript = z.infer<typeof DraftTranscript>;

export const DraftsContract = {
  /** An empty draft when none exists yet. */
  'drafts:get': { input: z.object({ sessionId: Id }), output: DraftTranscript },
  /** Adds segments (live captions); with `complete`, marks the draft final. */
  'drafts:append': {
    input: z.object({ sessionId: Id, segments: z.array(Segment).max(10_000), complete: z.boolean().default(false), engine: DraftTranscript.shape.engine.optional() }),
    output: DraftTranscript,
  },
  /** Replaces the whole draft (the full pass after the call supersedes the live captions). */
  'drafts:replace': {
    input: z.object({ sessionId: Id, segments: z.array(Segment).max(100_000), complete: z.boolean().default(true), engine: DraftTranscript.shape.engine.optional() }),
    output: DraftTranscript,
  },
} satisfies ContractMap;

export const DraftEvents = {
  'drafts:updated': z.object({ sessionId: Id, added: z.array(Segment), replaced: z.boolean(), complete: z.boolean() }),
} satisfies EventContract;
