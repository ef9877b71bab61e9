import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectEvents } from './events-socket';

/** The browser's WebSocket, standing in: records each URL; the test closes it as the server would. */
class FakeSocket {
  static opened: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.opened.push(this);
  }
  close() {
    this.onclose?.();
  }
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  FakeSocket.opened = [];
});

describe('connectEvents', () => {
  it('reconnects with the token current at that moment, not the one it started with (the server closes an expired or revoked token\'s socket)', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeSocket);
    let current = 'token-a';
    const stop = connectEvents({ base: 'http://api.test', token: async () => current, onEvent: () => undefined, onState: () => undefined });
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSocket.opened.map((s) => new URL(s.url).searchParams.get('access_token'))).toEqual(['token-a']);

    current = 'token-b';
    FakeSocket.opened[0]!.close();
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.opened.map((s) => new URL(s.url).searchParams.get('access_token'))).toEqual(['token-a', 'token-b']);
    stop();
  });

  it('the web app signed in by its session cookie connects without a token in the URL (the cookie rides with the upgrade)', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeSocket);
    const stop = connectEvents({ base: 'https://app.test', token: async () => null, cookieSession: true, onEvent: () => undefined, onState: () => undefined });
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSocket.opened.map((s) => s.url)).toEqual(['wss://app.test/v1/events']);
    stop();
  });

  it('waits and tries again while there is no token, and stops for good when stopped', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeSocket);
    let current: string | null = null;
    const stop = connectEvents({ base: 'http://api.test', token: async () => current, onEvent: () => undefined, onState: () => undefined });
    await vi.advanceTimersByTimeAsync(2000);
    expect(FakeSocket.opened).toHaveLength(0);
    current = 'token-c';
    await vi.advanceTimersByTimeAsync(5000);
    expect(FakeSocket.opened).toHaveLength(1);
    stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.opened).toHaveLength(1);
  });
});
