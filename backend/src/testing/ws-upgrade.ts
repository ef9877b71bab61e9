import WebSocket from 'ws';

/**
 * How a WebSocket upgrade was answered: `{ status: 101 }` once the server's first message (the
 * greeting) arrives, or the refusal's HTTP status and error code. The socket is closed either way.
 */
export function upgradeAnswer(url: string, headers: Record<string, string>): Promise<{ status: number; code?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('message', () => {
      ws.close();
      resolve({ status: 101 });
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body || '{}') as { code?: string }).code }));
    });
    ws.on('error', () => undefined);
  });
}
