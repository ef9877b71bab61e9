import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { ContractMap, EventContract, HandlerMap } from '../../app/contracts/ipc-contract';
import { DESKTOP_EVENT_CHANNEL } from '../../app/contracts/ipc/channel-names';
import { err } from '../../app/contracts/result';
import type { EventBus } from '../services/event-bus';
import { createDispatcher } from './dispatch';

/**
 * Registers a handler map on ipcMain: one `handle` per channel, input checked by the contract,
 * every answer a Result. Calls from a frame that is not the app (an iframe, a page navigated
 * elsewhere) are refused. Electron is only a type here; the caller passes ipcMain.
 */
export function registerIpcHandlers<C extends ContractMap>(opts: {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  contract: C;
  handlers: HandlerMap<C>;
  isTrustedSender: (frameUrl: string) => boolean;
  onInternalError?: (channel: string, e: unknown) => void;
}): () => void {
  const dispatcher = createDispatcher(opts.contract, opts.handlers, { onInternalError: opts.onInternalError });
  const channels = Object.keys(opts.contract);
  for (const channel of channels) {
    opts.ipcMain.handle(channel, (event: IpcMainInvokeEvent, input: unknown) => {
      const url = event.senderFrame?.url ?? '';
      if (!opts.isTrustedSender(url)) return err({ code: 'auth.forbidden', message: 'IPC is only answered for the app itself.' });
      return dispatcher.call(channel, input);
    });
  }
  return () => channels.forEach((c) => opts.ipcMain.removeHandler(c));
}

/** Pushes every event of the bus to the app windows on one channel: `(eventName, payload)`. */
export function forwardEvents<E extends EventContract>(opts: { events: EventBus<E>; targets: () => Pick<WebContents, 'send' | 'isDestroyed'>[] }): () => void {
  return opts.events.subscribe((event, payload) => {
    for (const wc of opts.targets()) if (!wc.isDestroyed()) wc.send(DESKTOP_EVENT_CHANNEL, event, payload);
  });
}
