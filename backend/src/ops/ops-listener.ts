import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpsEndpoints } from './ops-endpoints';

/** A small HTTP listener for a process without an API (the worker): the ops endpoints and 404 for anything else. */
export async function listenOpsEndpoints(ops: OpsEndpoints, port: number, host: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (ops(req, res)) return;
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'request.not_found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
