import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { AppError } from '../../../../app/contracts/errors';
import { invalid } from './gateway-error';

export interface AudioUpload {
  audio: Uint8Array;
  filename: string;
  mimeType: string;
  fields: Record<string, string[]>;
}

/** Reads a multipart/form-data transcription request: one `file` of at most maxBytes, and text fields. */
export function readAudioUpload(req: IncomingMessage, maxBytes: number): Promise<AudioUpload> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: 1, fields: 50, fieldSize: 64 * 1024 } });
    } catch (e) {
      reject(invalid(`Send multipart/form-data: ${(e as Error).message}`));
      return;
    }
    const fields: Record<string, string[]> = {};
    let file: { chunks: Buffer[]; filename: string; mimeType: string; truncated: boolean } | undefined;
    let failed = false;
    const fail = (e: AppError) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume();
      reject(e);
    };
    bb.on('field', (name, value) => (fields[name] ??= []).push(value));
    bb.on('file', (name, stream, info) => {
      if (name !== 'file') {
        stream.resume();
        return;
      }
      const f = { chunks: [] as Buffer[], filename: info.filename || 'audio', mimeType: info.mimeType || 'application/octet-stream', truncated: false };
      file = f;
      stream.on('data', (c: Buffer) => f.chunks.push(c));
      stream.on('limit', () => {
        f.truncated = true;
        fail(new AppError('request.invalid', `The audio file is larger than ${maxBytes} bytes`, { status: 413 }));
      });
    });
    bb.on('error', (e: Error) => fail(invalid(`Malformed multipart body: ${e.message}`)));
    bb.on('close', () => {
      if (failed) return;
      if (!file) return fail(invalid('The multipart body has no "file" part', { param: 'file' }));
      resolve({ audio: new Uint8Array(Buffer.concat(file.chunks)), filename: file.filename, mimeType: file.mimeType, fields });
    });
    req.pipe(bb);
  });
}
