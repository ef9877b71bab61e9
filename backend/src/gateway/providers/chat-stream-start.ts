import type { ChatChunk } from '../gateway-contracts';

/**
 * Starts a provider stream and resolves once its first chunk is in hand, so the router can retry
 * or fall back while nothing has reached the caller yet; after that a failure ends the stream.
 * The returned iterable replays the first chunk, then the rest.
 */
export async function startChatStream(stream: AsyncIterable<ChatChunk>): Promise<AsyncIterable<ChatChunk>> {
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  let replayed = false;
  return {
    [Symbol.asyncIterator]() {
      return {
        async next(): Promise<IteratorResult<ChatChunk>> {
          if (!replayed) {
            replayed = true;
            return first;
          }
          if (first.done) return first;
          return iterator.next();
        },
        async return(): Promise<IteratorResult<ChatChunk>> {
          replayed = true;
          await iterator.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}
