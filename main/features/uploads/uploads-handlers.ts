import type { HandlerMap } from '../../../app/contracts/ipc-contract';
import type { UploadsContract } from '../../../app/contracts/ipc/uploads';
import type { RecordingStore } from '../../services/recording-store';
import type { UploadQueue } from '../../services/upload-queue';

/** The renderer names a session, never a file path: only finished recordings of the store can be uploaded. */
export function createUploadsHandlers(deps: { queue: UploadQueue; recordings: Pick<RecordingStore, 'finished'> }): HandlerMap<typeof UploadsContract> {
  return {
    async 'uploads:enqueue'({ sessionId }) {
      const ref = await deps.recordings.finished(sessionId);
      return deps.queue.enqueue({ sessionId, path: ref.path, sha256: ref.sha256, bytes: ref.bytes });
    },
    'uploads:list': () => deps.queue.list(),
    'uploads:retry': ({ id }) => deps.queue.retry(id),
    'uploads:cancel': ({ id }) => deps.queue.cancel(id),
  };
}
