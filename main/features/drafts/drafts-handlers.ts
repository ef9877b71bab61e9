import { AppError } from '../../../app/contracts/errors';
import type { HandlerMap } from '../../../app/contracts/ipc-contract';
import type { DraftsContract } from '../../../app/contracts/ipc/drafts';
import type { DraftStore } from '../../services/draft-store';
import type { DraftTranscriber } from '../../services/draft-transcriber';
import { float32FromLittleEndian } from './pcm-chunk';

/** Without a transcriber (no model configured) the stored drafts still work; live drafts answer why not. */
export function createDraftsHandlers(deps: { drafts: DraftStore; transcriber?: DraftTranscriber }): HandlerMap<typeof DraftsContract> {
  const transcriber = (): DraftTranscriber => {
    if (!deps.transcriber) throw new AppError('stt.model_missing', 'The on-device draft transcript is not set up: no Whisper model is configured for the desktop app.');
    return deps.transcriber;
  };
  return {
    'drafts:get': ({ sessionId }) => deps.drafts.get(sessionId),
    'drafts:append': ({ sessionId, segments, complete, engine }) => deps.drafts.append(sessionId, segments, { complete, engine }),
    'drafts:replace': ({ sessionId, segments, complete, engine }) => deps.drafts.replace(sessionId, segments, { complete, engine }),
    'drafts:start': async ({ sessionId }) => ({ engine: await transcriber().start(sessionId) }),
    async 'drafts:feed'({ sessionId, channel, pcm }) {
      const t = transcriber();
      // Idempotent; concurrent first feeds all wait for the same model load and then run in order.
      await t.start(sessionId);
      t.pushAudio(sessionId, channel, float32FromLittleEndian(pcm));
      return t.progress(sessionId);
    },
    async 'drafts:finish'({ sessionId }) {
      // Finished before (or after a restart): the stored draft is the answer.
      if (deps.transcriber?.has(sessionId)) await deps.transcriber.finish(sessionId);
      return deps.drafts.get(sessionId);
    },
  };
}
