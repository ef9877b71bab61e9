import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { BridgeResponse } from '../../../app/contracts/ipc/bridge-protocol';
import { DesktopContract, DesktopEvents } from '../../../app/contracts/ipc/desktop';
import type { DraftTranscript } from '../../../app/contracts/ipc/drafts';
import { fromWire, toWire } from '../../../app/contracts/ipc/wire-codec';
import type { EventPayloadOf, InputOf, OutputOf } from '../../../app/contracts/ipc-contract';
import type { Result } from '../../../app/contracts/result';
import { computeWer } from '../../../app/transcript/wer';
import { defaultDataDir } from '../../../backend/src/paths';
import { setupWhisperModel } from '../../../scripts/setup/whisper-model';
import { startWsBridge, type WsBridge } from '../../adapters/ws-bridge';
import { createAesGcmCipher } from '../../services/secret-store';
import { chunksOf, makeTestConversation } from '../../services/draft-transcriber-test-conversation';
import { createDesktopFeatures, type DesktopFeatures } from '../desktop-features';
import { float32ToLittleEndian } from './pcm-chunk';

type Updated = EventPayloadOf<DesktopEvents, 'drafts:updated'>;

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-drafts-bridge-'));
let features: DesktopFeatures;
let bridge: WsBridge;

beforeAll(async () => {
  const { modelPath } = await setupWhisperModel({ dataDir: defaultDataDir });
  features = createDesktopFeatures({ dataDir: dir, secretCipher: createAesGcmCipher(randomBytes(32)), draftTranscriber: { modelPath, threads: 1 } });
  await features.handlers['settings:update']({ autoUpload: false });
  bridge = await startWsBridge({ contract: DesktopContract, handlers: features.handlers, events: features.events, eventNames: Object.keys(DesktopEvents) });
}, 600_000);
afterAll(async () => {
  await bridge?.close();
  await features?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What the browser harness does: JSON over the bridge, bytes as `{ $bytes }`. */
async function connect() {
  const ws = new WebSocket(`${bridge.url}?token=${encodeURIComponent(bridge.token)}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number | null, (r: Result<unknown>) => void>();
  const updates: Updated[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    const msg = fromWire(JSON.parse(data.toString())) as BridgeResponse;
    if (msg.type === 'event') {
      if (msg.event === 'drafts:updated') updates.push(msg.payload as Updated);
      waiters.splice(0).forEach((w) => w());
    } else {
      pending.get(msg.id)?.(msg.result as Result<unknown>);
      pending.delete(msg.id);
    }
  });
  const request = (body: Record<string, unknown>) =>
    new Promise<Result<unknown>>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      ws.send(JSON.stringify(toWire({ id, ...body })));
    });
  return {
    updates,
    call: <K extends keyof DesktopContract & string>(channel: K, input: InputOf<DesktopContract, K>) => request({ type: 'call', channel, input }) as Promise<Result<OutputOf<DesktopContract, K>>>,
    raw: request,
    subscribe: (events: string[]) => request({ type: 'subscribe', events }),
    async until(test: () => boolean) {
      while (!test()) await new Promise<void>((r) => waiters.push(r));
    },
    close: () => ws.close(),
  };
}

const value = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
};

describe('live draft over the WebSocket bridge (real whisper.cpp)', () => {
  it('captions a two-party call while it runs and returns the complete draft at drafts:finish', async () => {
    const conversation = makeTestConversation();
    const c = await connect();
    value(await c.subscribe(['drafts:updated']));
    const id = randomUUID();
    expect(value(await c.call('drafts:start', { sessionId: id }))).toEqual({ engine: { name: 'whisper.cpp', model: 'tiny.en' } });

    const firstLine = conversation.lines[0]!;
    let waited = false;
    let progress: OutputOf<DesktopContract, 'drafts:feed'> | undefined;
    for (const chunk of chunksOf(conversation)) {
      progress = value(await c.call('drafts:feed', { sessionId: id, channel: chunk.channel, pcm: float32ToLittleEndian(chunk.pcm) }));
      if (!waited && chunk.endSec >= firstLine.end + 1.5) {
        // The first line's caption is pushed while the call goes on.
        await c.until(() => c.updates.some((u) => u.sessionId === id && u.added.length > 0));
        waited = true;
      }
    }
    expect(progress!.receivedSec).toEqual([conversation.durationSec, conversation.durationSec].map((x) => Math.round(x * 100) / 100));
    const live = c.updates.filter((u) => !u.replaced);
    expect(live[0]).toMatchObject({ sessionId: id, replaced: false, complete: false });
    expect(live[0]!.lagSec).toBeGreaterThanOrEqual(0);
    expect(live[0]!.added.every((s) => s.channel === 0)).toBe(true);
    expect(computeWer(firstLine.text, live[0]!.added.map((s) => s.text).join(' ')).wer).toBeLessThan(0.2);

    const draft: DraftTranscript = value(await c.call('drafts:finish', { sessionId: id }));
    expect(draft).toMatchObject({ sessionId: id, complete: true, engine: { name: 'whisper.cpp', model: 'tiny.en' } });
    await c.until(() => c.updates.some((u) => u.sessionId === id && u.complete));
    expect(c.updates.find((u) => u.complete)).toMatchObject({ replaced: true, added: draft.segments, lagSec: 0 });
    for (const channel of [0, 1] as const) {
      const truth = conversation.lines.filter((l) => l.channel === channel).map((l) => l.text).join(' ');
      expect(computeWer(truth, draft.segments.filter((s) => s.channel === channel).map((s) => s.text).join(' ')).wer).toBeLessThan(0.2);
    }
    // Stored locally: the same draft comes back later, and finishing again changes nothing.
    expect(value(await c.call('drafts:get', { sessionId: id }))).toEqual(draft);
    expect(value(await c.call('drafts:finish', { sessionId: id }))).toEqual(draft);
    expect(await c.call('drafts:feed', { sessionId: id, channel: 0, pcm: float32ToLittleEndian(new Float32Array(8000)) })).toMatchObject({ ok: false, error: { code: 'session.state_invalid' } });
    c.close();
  }, 300_000);

  it('refuses audio that is not whole float32 samples or is too long for one chunk', async () => {
    const c = await connect();
    const id = randomUUID();
    expect(await c.call('drafts:feed', { sessionId: id, channel: 0, pcm: new Uint8Array(6) })).toMatchObject({ ok: false, error: { code: 'request.invalid' } });
    expect(await c.call('drafts:feed', { sessionId: id, channel: 0, pcm: new Uint8Array(16000 * 4 * 11) })).toMatchObject({ ok: false, error: { code: 'request.invalid' } });
    expect(await c.raw({ type: 'call', channel: 'drafts:feed', input: { sessionId: id, channel: 2, pcm: new Uint8Array(4) } })).toMatchObject({ ok: false, error: { code: 'request.invalid' } });
    c.close();
  });
});
