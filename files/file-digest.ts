import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 (lowercase hex) and size of a byte stream, so long recordings and model files never sit in memory. */
export async function digestStream(chunks: AsyncIterable<Uint8Array>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** sha256 (lowercase hex) and size of a file, streamed. */
export const digestFile = (file: string) => digestStream(createReadStream(file) as AsyncIterable<Buffer>);

export const sha256File = async (file: string): Promise<string> => (await digestFile(file)).sha256;
