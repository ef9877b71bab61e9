import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SignalCloseCode } from '../../../app/contracts/signaling';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { connectSignal } from '../signaling/signal-test-client';
import { createConsentedSession } from '../signaling/signaling-fixtures';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness({ sockets: { maxConnectionsPerUser: 2 } });
});
afterAll(async () => h && within(h.close(), 10_000, undefined));

/** Settles with `fallback` if `p` has not settled after `ms`: a hang becomes a failed expectation instead of a test timeout. */
function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([p, new Promise<T>((r) => setTimeout(() => r(fallback), ms).unref())]);
}

/** A raw TCP client asking to upgrade `path`: what the server wrote, and whether it closed the connection. */
function rawUpgrade(baseUrl: string, path: string, opts: { halfClose?: boolean } = {}) {
  const { port } = new URL(baseUrl);
  const socket = net.connect(Number(port), '127.0.0.1');
  let text = '';
  socket.on('data', (d) => (text += d.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(text)));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
  if (opts.halfClose) socket.end();
  return { socket, closed };
}

function openEvents(token: string): Promise<{ ws: WebSocket; status?: number; body?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${h.url.replace(/^http/, 'ws')}/v1/events`, { headers: { authorization: `Bearer ${token}` } });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ ws, status: res.statusCode, body }));
    });
    ws.once('error', () => undefined);
  });
}

const closeOf = (ws: WebSocket) => new Promise<number>((r) => ws.once('close', (code) => r(code)));

describe('WebSocket upgrades', () => {
  it('answers an upgrade to an unknown path at once with 404 problem JSON and closes the connection', async () => {
    const { socket, closed } = rawUpgrade(h.url, '/v1/no-such-socket');
    const text = await within(closed, 5000, 'still open after 5 s');
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 404 /);
    expect(text).toContain('"code":"request.not_found"');
  });

  it('ends an events socket that sends a frame over the size cap (1009), and the API keeps serving', async () => {
    const u = await h.user('clinician');
    const { ws } = await openEvents(u.token);
    const code = closeOf(ws);
    ws.send(Buffer.alloc(4 * 1024 * 1024, 0x61));
    const closedWith = await within(code, 10_000, -1);
    ws.terminate();
    expect(closedWith).toBe(1009);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    const again = await openEvents(u.token);
    expect(again.status).toBeUndefined();
    again.ws.close();
  });

  it('refuses a user more events connections than the cap with 429 connection.too_many, and admits them again once one closes', async () => {
    const u = await h.user('clinician');
    const a = await openEvents(u.token);
    const b = await openEvents(u.token);
    const c = await openEvents(u.token);
    expect([a.status, b.status]).toEqual([undefined, undefined]);
    expect(c.status).toBe(429);
    expect(JSON.parse(c.body!)).toMatchObject({ code: 'connection.too_many' });
    // Another user is not affected.
    const other = await openEvents((await h.user('clinician')).token);
    expect(other.status).toBeUndefined();
    const gone = closeOf(a.ws);
    a.ws.close();
    await gone;
    await new Promise((r) => setTimeout(r, 100));
    const d = await openEvents(u.token);
    expect(d.status).toBeUndefined();
    for (const x of [b, d, other]) x.ws.close();
  });

  it('refuses a participant more signaling connections than the cap with close code 4429', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const first = await connectSignal(h.url, sessionId, owner.token);
    const second = await connectSignal(h.url, sessionId, owner.token);
    const third = await connectSignal(h.url, sessionId, owner.token);
    expect(await third.next('error')).toMatchObject({ code: 'connection.too_many' });
    expect((await third.closed).code).toBe(SignalCloseCode.tooManyConnections);
    first.close();
    second.close();
  });
});

describe('API shutdown', () => {
  it('returns while clients hold open WebSockets and half-closed upgrade requests', async () => {
    const own = await startApiHarness();
    try {
      const u = await own.user('clinician');
      const ws = new WebSocket(`${own.url.replace(/^http/, 'ws')}/v1/events`, { headers: { authorization: `Bearer ${u.token}` } });
      await new Promise((r) => ws.once('open', r));
      ws.on('error', () => undefined);
      // CLOSE-WAIT on the server: the client sent an upgrade and its FIN, and waits.
      const halfClosed = [rawUpgrade(own.url, '/v1/nowhere', { halfClose: true }), rawUpgrade(own.url, '/v1/events', { halfClose: true })];
      const idle = net.connect(Number(new URL(own.url).port), '127.0.0.1');
      idle.on('error', () => undefined);
      await new Promise((r) => setTimeout(r, 200));
      expect(await within(own.api.close().then(() => 'closed'), 5000, 'hung')).toBe('closed');
      for (const x of halfClosed) x.socket.destroy();
      idle.destroy();
    } finally {
      await within(own.close().catch(() => undefined), 5000, undefined);
    }
  });
});
