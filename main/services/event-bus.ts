import type { EventContract, EventListener, EventPayloadOf } from '../../app/contracts/ipc-contract';

/** Services emit here; the IPC adapter and the WebSocket bridge forward to their clients. */
export interface EventBus<E extends EventContract> {
  emit<K extends keyof E & string>(event: K, payload: EventPayloadOf<E, K>): void;
  subscribe(listener: EventListener<E>): () => void;
}

export function createEventBus<E extends EventContract>(opts: { onListenerError?: (e: unknown) => void } = {}): EventBus<E> {
  const listeners = new Set<EventListener<E>>();
  return {
    emit(event, payload) {
      for (const l of [...listeners]) {
        // One failing subscriber (a closed socket, a destroyed window) must not starve the others.
        try {
          l(event, payload);
        } catch (e) {
          opts.onListenerError?.(e);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
