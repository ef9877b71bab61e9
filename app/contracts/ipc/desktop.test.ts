import { describe, expect, it } from 'vitest';
import { DESKTOP_CHANNELS, DESKTOP_EVENTS } from './channel-names';
import { DesktopContract, DesktopEvents } from './desktop';
import { decodeBase64, encodeBase64, fromWire, toWire } from './wire-codec';

describe('desktop IPC contract', () => {
  it('lists the same channels and events for the zod-free preload as the contract has', () => {
    expect([...DESKTOP_CHANNELS].sort()).toEqual(Object.keys(DesktopContract).sort());
    expect([...DESKTOP_EVENTS].sort()).toEqual(Object.keys(DesktopEvents).sort());
  });

  it('names every channel feature:action', () => {
    for (const c of DESKTOP_CHANNELS) expect(c).toMatch(/^(recordings|uploads|drafts|settings|secrets|update):[a-z]+$/);
  });

  it('accepts nothing for channels without input and refuses extra keys', () => {
    expect(DesktopContract['recordings:list'].input.parse(undefined)).toEqual({});
    expect(DesktopContract['recordings:list'].input.safeParse({ all: true }).success).toBe(false);
  });
});

describe('bridge wire codec', () => {
  it('encodes base64 as RFC 4648 does', () => {
    const text = (s: string) => new Uint8Array([...s].map((c) => c.charCodeAt(0)));
    expect(['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'].map((s) => encodeBase64(text(s)))).toEqual(['', 'Zg==', 'Zm8=', 'Zm9v', 'Zm9vYg==', 'Zm9vYmE=', 'Zm9vYmFy']);
    expect(decodeBase64('Zm9vYmE=')).toEqual(text('fooba'));
    expect(() => decodeBase64('Zm9v!')).toThrow(/invalid base64/);
  });

  it('round-trips every byte value inside nested messages through JSON', () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 7919) % 256);
    const msg = { id: 3, type: 'call', input: { chunk: bytes, list: [new Uint8Array([0, 255]), 'x'], skip: undefined } };
    const back = fromWire(JSON.parse(JSON.stringify(toWire(msg)))) as typeof msg;
    expect(back.input.chunk).toEqual(bytes);
    expect(back.input.list).toEqual([new Uint8Array([0, 255]), 'x']);
    expect('skip' in back.input).toBe(false);
  });
});
