/**
 * Hostnames only this machine can reach: localhost (and *.localhost), 127.0.0.0/8, ::1 and
 * IPv4-mapped 127.x. Written without node:net so that app/ stays runtime-free (URL.hostname has
 * already normalised the IP forms; IPv6 comes bracketed).
 */
export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/^127(\.\d{1,3}){3}$/.test(h)) return h.split('.').every((o) => Number(o) <= 255);
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  // URL normalises ::ffff:127.0.0.1 to ::ffff:7f00:1.
  return /^::ffff:(127(\.\d{1,3}){3}|7f[0-9a-f]{2}:[0-9a-f]{1,4})$/.test(h);
}

/**
 * A backend the desktop app may talk to: https (and so wss) anywhere, plain http only on this
 * machine, never credentials in the URL. Returns why not, or null when it is fine.
 */
export function backendUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.username || u.password) return 'must not carry a user name or password';
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:') return isLoopbackHostname(u.hostname) ? null : `must use https: (and so wss: for its WebSockets) unless it is on this machine; ${u.host} is not`;
  return 'must be an https: URL (http: only for a backend on this machine)';
}
