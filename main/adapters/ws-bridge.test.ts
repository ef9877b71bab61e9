import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DesktopContract, DesktopEvents } from '../../app/contracts/ipc/desktop';
import { DESKTOP_EVENTS } from '../../app/contracts/ipc/channel-names';
import type { BridgeResponse } from '../../app/contracts/ipc/bridge-protocol';
import { fromWire, toWire } from '../../app/contracts/ipc/wire-codec';
import type { InputOf, OutputOf } from '../../app/contracts/ipc-contract';
import type { Result } from '../../app/contracts/result';
import { createDesktopFeatures, type DesktopFeatures } from '../features/desktop-features';
import { createAesGcmCipher } from '../services/secret-store';
import { startWsBridge, type WsBridge } from './ws-bridge';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-bridge-'));
let features: DesktopFeatures;
let bridge: WsBridge;
beforeAll(async () => {
  features = createDesktopFeatures({ dataDir: dir, secretCipher: createAesGcmCipher(randomBytes(32)) });
  // autoUpload off: no backend in this test.
  await features.handlers['settings:update']({ autoUpload: false });
  bridge = await startWsBridge({ contract: DesktopContract, handlers: features.handlers, events: features.events, eventNames: Object.keys(DesktopEvents) });
});
afterAll(async () => {
  await bridge?.close();
  await features?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A minimal client of the documented wire format (what the browser platform will implement). */
async function connect(token = bridge.token) {
  const ws = new WebSocket(`${bridge.url}?token=${encodeURIComponent(token)}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  let nextId = 1;
  const pending = new Map<number | null, (r: Result<unknown>) => void>();
  const events: { event: string; payload: unknown }[] = [];
  const eventWaiters: (() => void)[] = [];
  ws.on('message', (data) => {
    const msg = fromWire(JSON.parse(data.toString())) as BridgeResponse;
    if (msg.type === 'event') {
      events.push({ event: msg.event, payload: msg.payload });
      eventWaiters.splice(0).forEach((w) => w());
    } else {
      pending.get(msg.id)?.(msg.result as Result<unknown>);
      pending.delete(msg.id);
    }
  });
  const request = (body: Record<string, unknown>, id: number | null = nextId++) =>
    new Promise<Result<unknown>>((resolve) => {
      pending.set(id, resolve);
      ws.send(JSON.stringify(toWire({ id, ...body })));
    });
  return {
    ws,
    events,
    call: <K extends keyof DesktopContract & string>(channel: K, input: InputOf<DesktopContract, K>) => request({ type: 'call', channel, input }) as Promise<Result<OutputOf<DesktopContract, K>>>,
    raw: request,
    sendText: (text: string) =>
      new Promise<Result<unknown>>((resolve) => {
        pending.set(null, resolve);
        ws.send(text);
      }),
    subscribe: (names: string[]) => request({ type: 'subscribe', events: names }),
    async nextEvent(name: string) {
      for (;;) {
        const i = events.findIndex((e) => e.event === name);
        if (i >= 0) return events.splice(i, 1)[0]!.payload;
        await new Promise<void>((r) => eventWaiters.push(r));
      }
    },
    close: () => ws.close(),
  };
}

const value = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
};

describe('WebSocket bridge over the desktop handler maps', () => {
  it('answers a typed call with a Result', async () => {
    const c = await connect();
    const s = value(await c.call('settings:get', {}));
    expect(s).toEqual({ backendUrl: 'http://127.0.0.1:8787', autoUpload: false });
    expect(value(await c.call('recordings:list', undefined))).toEqual([]);
    c.close();
  });

  it('carries binary chunks as base64 and stores exactly those bytes', async () => {
    const c = await connect();
    const id = randomUUID();
    value(await c.call('recordings:start', { sessionId: id, mimeType: 'audio/webm;codecs=opus' }));
    const chunks = [randomBytes(1000), randomBytes(1), randomBytes(77_777)];
    for (const [seq, chunk] of chunks.entries()) expect(value(await c.call('recordings:append', { sessionId: id, seq, chunk: new Uint8Array(chunk) })).duplicate).toBe(false);
    const whole = Buffer.concat(chunks);
    // Random bytes are not audio: finish stores them as they are and cannot tell a duration.
    const ref = value(await c.call('recordings:finish', { sessionId: id }));
    expect(ref.sha256).toBe(createHash('sha256').update(whole).digest('hex'));
    expect(ref.bytes).toBe(whole.length);
    // At rest the file is sealed (decision 020): none of the chunks appears in it.
    for (const chunk of chunks.filter((x) => x.length > 64)) expect(readFileSync(ref.path).includes(chunk.subarray(0, 64))).toBe(false);
    expect(ref.durationSec).toBeUndefined();
    c.close();
  });

  it('answers invalid input with request.invalid and names the field', async () => {
    const c = await connect();
    const r = await c.raw({ type: 'call', channel: 'recordings:start', input: { sessionId: 'not-a-uuid', mimeType: 'audio/webm' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'request.invalid' } });
    expect(!r.ok && r.error.message).toMatch(/sessionId/);
    expect(await c.raw({ type: 'call', channel: 'recordings:append', input: { sessionId: randomUUID(), seq: 0, chunk: 'text, not bytes' } })).toMatchObject({ ok: false, error: { code: 'request.invalid' } });
    expect(await c.sendText('{ not json')).toMatchObject({ ok: false, error: { code: 'request.invalid' } });
    c.close();
  });

  it('answers an unknown channel with request.not_found', async () => {
    const c = await connect();
    expect(await c.raw({ type: 'call', channel: 'recordings:delete-everything', input: {} })).toMatchObject({ ok: false, error: { code: 'request.not_found' } });
    expect(await c.raw({ type: 'call', channel: 'constructor', input: {} })).toMatchObject({ ok: false, error: { code: 'request.not_found' } });
    c.close();
  });

  it('passes errors of the handlers as data with their stable codes', async () => {
    const c = await connect();
    const id = randomUUID();
    value(await c.call('recordings:start', { sessionId: id, mimeType: 'audio/webm' }));
    expect(await c.call('recordings:append', { sessionId: id, seq: 5, chunk: new Uint8Array([1]) })).toMatchObject({ ok: false, error: { code: 'recording.sequence_gap', details: { expected: 0, got: 5 } } });
    expect(await c.call('uploads:enqueue', { sessionId: id })).toMatchObject({ ok: false, error: { code: 'recording.state_invalid' } });
    expect(await c.call('uploads:retry', { id: 'nope' })).toMatchObject({ ok: false, error: { code: 'upload.not_found' } });
    c.close();
  });

  it('refuses a connection with a wrong or missing token', async () => {
    await expect(connect('wrong')).rejects.toThrow(/HTTP 401/);
    await expect(connect('')).rejects.toThrow(/HTTP 401/);
    await expect(connect(`${bridge.token}x`)).rejects.toThrow(/HTTP 401/);
  });

  it('delivers events to subscribers only', async () => {
    const listener = await connect();
    const other = await connect();
    expect(value(await listener.subscribe(['recordings:changed', 'drafts:updated']))).toEqual({ events: ['recordings:changed', 'drafts:updated'] });
    expect(await listener.subscribe(['no:such-event'])).toMatchObject({ ok: false, error: { code: 'request.invalid' } });
    const id = randomUUID();
    value(await other.call('recordings:start', { sessionId: id, mimeType: 'audio/webm' }));
    expect(await listener.nextEvent('recordings:changed')).toMatchObject({ sessionId: id, state: 'recording' });
    const seg = { channel: 1 as const, start: 1.5, end: 2.5, text: 'hello there', words: [] };
    value(await other.call('drafts:append', { sessionId: id, segments: [seg] }));
    expect(await listener.nextEvent('drafts:updated')).toEqual({ sessionId: id, added: [seg], replaced: false, complete: false });
    expect(value(await other.call('drafts:get', { sessionId: id })).segments).toEqual([seg]);
    expect(other.events).toEqual([]);
    listener.close();
    other.close();
  });

  it('keeps secrets encrypted on disk and returns them to the caller', async () => {
    const c = await connect();
    expect(value(await c.call('secrets:status', {}))).toEqual({ available: true, backend: 'aes-256-gcm' });
    expect(value(await c.call('secrets:get', { name: 'api.token' }))).toEqual({ value: null });
    value(await c.call('secrets:set', { name: 'api.token', value: 't-very-secret-token' }));
    expect(value(await c.call('secrets:get', { name: 'api.token' }))).toEqual({ value: 't-very-secret-token' });
    expect(readFileSync(path.join(dir, 'secrets.json'), 'utf8')).not.toContain('very-secret');
    expect(await c.raw({ type: 'call', channel: 'secrets:get', input: { name: 'ssh.key' } })).toMatchObject({ ok: false, error: { code: 'request.invalid' } });
    expect(value(await c.call('secrets:delete', { name: 'api.token' }))).toEqual({ deleted: true });
    c.close();
  });

  it('lists every contract event as subscribable', () => {
    expect(Object.keys(DesktopEvents).sort()).toEqual([...DESKTOP_EVENTS].sort());
  });
});
