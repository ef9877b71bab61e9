import type { HandlerMap } from '../../../app/contracts/ipc-contract';
import type { DraftsContract } from '../../../app/contracts/ipc/drafts';
import type { DraftStore } from '../../services/draft-store';

export function createDraftsHandlers(deps: { drafts: DraftStore }): HandlerMap<typeof DraftsContract> {
  return {
    'drafts:get': ({ sessionId }) => deps.drafts.get(sessionId),
    'drafts:append': ({ sessionId, segments, complete, engine }) => deps.drafts.append(sessionId, segments, { complete, engine }),
    'drafts:replace': ({ sessionId, segments, complete, engine }) => deps.drafts.replace(sessionId, segments, { complete, engine }),
  };
}
