import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { IpcMainInvokeEvent } from 'electron';
import type { ContractMap } from '../../app/contracts/ipc-contract';
import { DESKTOP_EVENT_CHANNEL } from '../../app/contracts/ipc/channel-names';
import { createEventBus } from '../services/event-bus';
import { forwardEvents, registerIpcHandlers } from './ipc-adapter';

/**
 * Electron cannot run here: this drives the adapter through an object with ipcMain's
 * handle/removeHandler shape, the way Electron calls it (event, input).
 */
function standInIpcMain() {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, input: unknown) => unknown>();
  return {
    handlers,
    handle: (channel: string, fn: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown) => void handlers.set(channel, fn),
    removeHandler: (channel: string) => void handlers.delete(channel),
    invoke: (channel: string, frameUrl: string, input: unknown) => handlers.get(channel)!({ senderFrame: { url: frameUrl } } as IpcMainInvokeEvent, input),
  };
}

const Contract = { 'demo:echo': { input: z.object({ text: z.string() }), output: z.object({ text: z.string() }) } } satisfies ContractMap;
const app = 'file:///opt/app/renderer/index.html';

describe('ipcMain adapter', () => {
  it('answers the app with Results, validates input, refuses foreign frames and unregisters', async () => {
    const ipc = standInIpcMain();
    const off = registerIpcHandlers({ ipcMain: ipc, contract: Contract, handlers: { 'demo:echo': async ({ text }) => ({ text }) }, isTrustedSender: (u) => u.startsWith('file:///opt/app/renderer/') });
    expect(await ipc.invoke('demo:echo', app, { text: 'hi' })).toEqual({ ok: true, value: { text: 'hi' } });
    expect(await ipc.invoke('demo:echo', app, { text: 1 })).toMatchObject({ ok: false, error: { code: 'request.invalid' } });
    expect(await ipc.invoke('demo:echo', 'https://evil.example/', { text: 'hi' })).toMatchObject({ ok: false, error: { code: 'auth.forbidden' } });
    off();
    expect(ipc.handlers.size).toBe(0);
  });

  it('forwards bus events to live windows on the one event channel', () => {
    type Events = { 'demo:tick': z.ZodObject<{ n: z.ZodNumber }> };
    const bus = createEventBus<Events>();
    const sent: unknown[][] = [];
    const live = { isDestroyed: () => false, send: (...args: unknown[]) => void sent.push(args) };
    const dead = { isDestroyed: () => true, send: () => expect.unreachable('sent to a destroyed window') };
    forwardEvents({ events: bus, targets: () => [live, dead] });
    bus.emit('demo:tick', { n: 1 });
    expect(sent).toEqual([[DESKTOP_EVENT_CHANNEL, 'demo:tick', { n: 1 }]]);
  });
});
