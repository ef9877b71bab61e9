import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from '@playwright/test';
import { CHROMIUM } from './chromium';

const run = promisify(execFile);
const ip = (...args: string[]) => run('ip', args);
const tc = (...args: string[]) => run('tc', args);

/**
 * A participant on a network of their own: a Linux network namespace joined to this host by a veth
 * pair, so the test can cut that participant's network for real (signaling WebSocket and WebRTC
 * media alike; Chromium's offline emulation does not touch WebRTC). Needs root (CAP_NET_ADMIN).
 * The cut is a token-bucket filter that never lets a packet through on both ends of the pair: a
 * silent loss, like a dead link, with no error for the sockets. Names and the /30 are per process,
 * so parallel runs on one host do not collide; nothing outside the pair is touched.
 */
export async function createGuestNetwork(tmpDir: string) {
  const tag = String(process.pid % 100_000);
  const ns = `fe-e2e-${tag}`;
  const hostIf = `fe${tag}h`;
  const nsIf = `fe${tag}g`;
  const octet = (process.pid % 250) + 1;
  const hostIp = `10.231.${octet}.1`;
  const guestIp = `10.231.${octet}.2`;
  const inNs = (...args: string[]) => ip('netns', 'exec', ns, ...args);

  try {
    await ip('netns', 'add', ns);
    await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    await ip('link', 'set', nsIf, 'netns', ns);
    await ip('addr', 'add', `${hostIp}/30`, 'dev', hostIf);
    await ip('link', 'set', hostIf, 'up');
    await inNs('ip', 'addr', 'add', `${guestIp}/30`, 'dev', nsIf);
    await inNs('ip', 'link', 'set', nsIf, 'up');
    await inNs('ip', 'link', 'set', 'lo', 'up');
    await inNs('ip', 'route', 'add', 'default', 'via', hostIp);
  } catch (e) {
    await removeQuietly(ns, hostIf);
    throw new Error(`could not build the guest's network namespace (root and iproute2 needed): ${(e as Error).message}`);
  }

  // The API listens on 127.0.0.1 only; the guest reaches it through this forwarder on the veth address.
  const sockets = new Set<net.Socket>();
  let proxy: net.Server | null = null;
  const wrapper = path.join(tmpDir, 'chromium-in-guest-netns.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);

  const cutArgs = (dev: string) => ['qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', '8bit', 'burst', '16', 'limit', '1'];
  return {
    ns,
    guestIp,
    /** http://<host end of the pair>:<port> forwarding to the API at `target` (http://127.0.0.1:port). */
    async forward(target: string): Promise<string> {
      const { port: targetPort } = new URL(target);
      proxy = net.createServer((client) => {
        const upstream = net.connect(Number(targetPort), '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((r) => proxy!.listen(0, hostIp, r));
      return `http://${hostIp}:${(proxy.address() as net.AddressInfo).port}`;
    },
    /**
     * A Chromium process inside the namespace (same flags as e2e/chromium.ts). `origin` (the
     * forwarder's) counts as secure there, or the page would get no getUserMedia over plain http.
     */
    launchChromium(micWav: string, origin: string): Promise<Browser> {
      return chromium.launch({
        executablePath: wrapper,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--disable-quic',
          '--use-fake-device-for-media-stream',
          '--use-fake-ui-for-media-stream',
          '--autoplay-policy=no-user-gesture-required',
          '--allow-loopback-in-peer-connection',
          `--use-file-for-fake-audio-capture=${micWav}%noloop`,
          `--unsafely-treat-insecure-origin-as-secure=${origin}`,
        ],
      });
    },
    /** Every packet between the guest and the rest of the world is dropped from now on. */
    async cut() {
      await tc(...cutArgs(hostIf));
      await inNs('tc', ...cutArgs(nsIf));
    },
    async restore() {
      await tc('qdisc', 'del', 'dev', hostIf, 'root');
      await inNs('tc', 'qdisc', 'del', 'dev', nsIf, 'root');
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
      await removeQuietly(ns, hostIf);
    },
  };
}
export type GuestNetwork = Awaited<ReturnType<typeof createGuestNetwork>>;

async function removeQuietly(ns: string, hostIf: string) {
  await ip('link', 'del', hostIf).catch(() => undefined);
  await ip('netns', 'del', ns).catch(() => undefined);
}
