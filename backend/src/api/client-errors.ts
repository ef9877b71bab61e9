import { maxHeaderSize, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../../../app/contracts/errors';
import { problemOf } from './problem';

/**
 * Requests that Node's HTTP parser refuses before express sees them answer problem+json with a
 * stable code, like every other refusal: header fields over the size limit → 431
 * `request.headers_too_large` (Node's own answer had no body and no type, which schemathesis
 * reported as an undocumented status), any other unparsable request → 400 `request.malformed`.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // The client is gone, or a response is already under way on this socket: nothing to answer.
    // A request too slow to arrive (headersTimeout, requestTimeout) is dropped without an answer.
    if (err.code === 'ECONNRESET' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || !socket.writable || (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const e =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? new AppError('request.headers_too_large', `The request's header fields are too large (at most ${maxHeaderSize} bytes together).`)
        : new AppError('request.malformed', `The request is not valid HTTP/1.1 (${err.code ?? 'parse error'}).`);
    const body = JSON.stringify(problemOf(e));
    socket.end(`HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}
