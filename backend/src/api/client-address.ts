import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyaddr from 'proxy-addr';

/** Request headers by which a proxy says who the client was, and under which host and scheme. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-prefix', 'x-real-ip'] as const;

/**
 * Who is calling, for rate limits and for the URLs the API hands out. Forwarding headers are
 * believed only from the configured proxies (FE_TRUSTED_PROXIES: addresses, CIDRs, or the
 * proxy-addr names loopback/linklocal/uniquelocal); from anyone else they are removed before any
 * handler (express, tus, the WebSocket endpoints) sees them, so a client cannot pick the host of
 * an upload's Location, nor an address to be rate-limited under.
 */
export function createClientAddressing(trustedProxies: readonly string[]) {
  const trust = proxyaddr.compile([...trustedProxies]);
  const fromTrustedProxy = (req: IncomingMessage) => {
    const peer = req.socket.remoteAddress;
    return peer !== undefined && trust(peer, 0);
  };
  return {
    /** For express: app.set('trust proxy', trust), so req.ip, req.protocol and req.host agree with addressOf. */
    trust,
    /** The client's address: the socket peer, or what trusted proxies say it was. */
    addressOf(req: IncomingMessage): string {
      return proxyaddr(req, trust);
    },
    /** Drops forwarding headers unless the connection comes from a trusted proxy. */
    stripUntrustedForwarding(req: IncomingMessage): void {
      if (fromTrustedProxy(req)) return;
      for (const h of FORWARDING_HEADERS) delete req.headers[h];
      // tus (srvx) builds its Request from rawHeaders: drop them there too.
      const raw = req.rawHeaders;
      for (let i = raw.length - 2; i >= 0; i -= 2) if ((FORWARDING_HEADERS as readonly string[]).includes(raw[i]!.toLowerCase())) raw.splice(i, 2);
    },
  };
}
export type ClientAddressing = ReturnType<typeof createClientAddressing>;

/**
 * The key a client address is rate-limited under: IPv4 as is, IPv6 by its /64 (one subscriber's
 * network, which a single attacker can otherwise cycle through), IPv4-mapped IPv6 as IPv4; stored
 * hashed, so the limits table holds no addresses.
 */
export function limitKeyOf(address: string): string {
  let a = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) a = mapped[1]!;
  if (isIP(a) === 6) a = `${expandIpv6(a).slice(0, 4).join(':')}::/64`;
  return createHash('sha256').update(`client:${a}`).digest('hex').slice(0, 40);
}

function expandIpv6(a: string): string[] {
  const [head, tail] = a.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => g.replace(/^0+(?=.)/, ''));
}
