import type { Channel } from '../../app/transcript/transcript';
import type { LiveDrafts } from '../platform/platform';

/**
 * Sends the recorder's 16 kHz audio to the draft transcriber, each channel in order (the
 * transcriber needs every sample, without gaps). The first failure stops the feed and is reported
 * once; the recording itself goes on.
 */
export function createDraftFeed(drafts: LiveDrafts, sessionId: string, onError: (e: unknown) => void) {
  const chains: [Promise<void>, Promise<void>] = [Promise.resolve(), Promise.resolve()];
  let failed = false;
  const send = (channel: Channel, pcm: Float32Array) => {
    chains[channel] = chains[channel].then(async () => {
      if (failed) return;
      try {
        await drafts.feed(sessionId, channel, pcm);
      } catch (e) {
        if (!failed) onError(e);
        failed = true;
      }
    });
  };
  return {
    push(channel0: Float32Array, channel1: Float32Array) {
      send(0, channel0);
      send(1, channel1);
    },
    /** Resolves when everything pushed so far was delivered (or the feed failed). */
    drain: async () => void (await Promise.all(chains)),
    get failed() {
      return failed;
    },
  };
}
export type DraftFeed = ReturnType<typeof createDraftFeed>;
