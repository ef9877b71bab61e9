import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../../app/contracts/errors';
import { probeRecording } from '../../audio/probe';

/** Seconds of audio in a WAV, from its header (fmt byte rate and data size), or null when not a WAV. */
export function wavDurationSec(bytes: Uint8Array): number | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return null;
  let offset = 12;
  let byteRate = 0;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && body + 12 <= buf.length) byteRate = buf.readUInt32LE(body + 8);
    if (id === 'data') {
      if (byteRate <= 0) return null;
      // Streaming writers leave the size unset: the data runs to the end of the file.
      const dataBytes = size === 0 || size === 0xffffffff || body + size > buf.length ? buf.length - body : size;
      return dataBytes / byteRate;
    }
    offset = body + size + (size % 2);
  }
  return null;
}

/** Duration for pricing: the WAV header when there is one, else ffprobe on a temporary copy. */
export async function audioDurationSec(bytes: Uint8Array, filename: string): Promise<number> {
  const wav = wavDurationSec(bytes);
  if (wav !== null) return wav;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fe-gw-audio-'));
  try {
    const file = path.join(dir, `audio${path.extname(filename).replace(/[^.a-z0-9]/gi, '').slice(0, 8)}`);
    await writeFile(file, bytes);
    const probe = await probeRecording(file).catch((cause: unknown) => {
      throw new AppError('request.invalid', 'The uploaded file is not audio the gateway can measure', { status: 400, cause });
    });
    return probe.durationSec;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
