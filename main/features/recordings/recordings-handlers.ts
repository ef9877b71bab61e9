import type { HandlerMap } from '../../../app/contracts/ipc-contract';
import type { RecordingsContract } from '../../../app/contracts/ipc/recordings';
import type { RecordingStore } from '../../services/recording-store';

export function createRecordingsHandlers(deps: { store: RecordingStore }): HandlerMap<typeof RecordingsContract> {
  return {
    'recordings:start': ({ sessionId, mimeType }) => deps.store.start(sessionId, mimeType),
    'recordings:append': ({ sessionId, seq, chunk }) => deps.store.append(sessionId, seq, chunk),
    'recordings:finish': ({ sessionId }) => deps.store.finish(sessionId),
    'recordings:list': () => deps.store.list(),
    'recordings:recover': ({ sessionId }) => deps.store.recover(sessionId),
  };
}
