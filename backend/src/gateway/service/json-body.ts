import type { IncomingMessage } from 'node:http';
import { AppError } from '../../../../app/contracts/errors';
import { findInvalidText } from '../../../../app/contracts/text';
import { invalid } from './gateway-error';

/** The request's JSON body, refused with 413 past maxBytes (counted as it arrives, not trusted from Content-Length). */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const tooLarge = () => new AppError('request.invalid', `The request body is larger than ${maxBytes} bytes`, { status: 413 });
    if (declared > maxBytes) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > maxBytes) {
        done = true;
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (e) {
        reject(invalid(`The body is not JSON: ${(e as Error).message}`));
        return;
      }
      // NUL and unpaired surrogates cannot be stored or forwarded as text (app/contracts/text.ts).
      const bad = findInvalidText(body);
      if (bad) reject(new AppError('request.invalid_text', `${bad.path}: ${bad.problem}`, { status: 400 }));
      else resolve(body);
    });
    req.on('error', (e) => {
      if (!done) reject(invalid(`The request body could not be read: ${e.message}`));
      done = true;
    });
  });
}
