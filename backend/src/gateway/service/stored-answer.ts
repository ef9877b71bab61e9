import type { ServerResponse } from 'node:http';
import type { StoredAnswer } from './governed-call';

/** Sends a call's answer; a replay of a completed key is marked so (nothing was forwarded or charged for it). */
export function sendStored(res: ServerResponse, answer: StoredAnswer, replayed = true): void {
  const headers = replayed ? { ...answer.headers, 'idempotent-replayed': 'true' } : answer.headers;
  if (answer.kind === 'sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers });
    for (const chunk of answer.body as unknown[]) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    res.end('data: [DONE]\n\n');
    return;
  }
  const text = answer.kind === 'text' ? String(answer.body) : JSON.stringify(answer.body);
  res.writeHead(200, { 'content-type': answer.kind === 'text' ? 'text/plain; charset=utf-8' : 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
