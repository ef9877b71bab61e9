/**
 * A minimal RIFF/WAVE reader and writer for PCM 16-bit and IEEE float 32-bit. Used to assemble
 * synthesised sessions and test fixtures sample-exactly; decoding recordings goes through ffmpeg.
 */

export interface PcmAudio {
  sampleRate: number;
  /** One array per channel, samples in [-1, 1]. */
  channels: Float32Array[];
}

export function encodeWav16(audio: PcmAudio): Buffer {
  const { sampleRate, channels } = audio;
  const channelCount = channels.length;
  if (channelCount === 0) throw new Error('encodeWav16: no channels');
  const frames = channels[0]!.length;
  if (channels.some((c) => c.length !== frames)) throw new Error('encodeWav16: channels differ in length');
  const dataBytes = frames * channelCount * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(channelCount, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * channelCount * 2, 28);
  out.writeUInt16LE(channelCount * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  let offset = 44;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channelCount; c++) {
      const s = Math.max(-1, Math.min(1, channels[c]![i]!));
      out.writeInt16LE(Math.round(s < 0 ? s * 0x8000 : s * 0x7fff), offset);
      offset += 2;
    }
  }
  return out;
}

/** Reads PCM 16-bit or float 32-bit WAV (e.g. espeak-ng output). Other encodings throw. */
export function decodeWav(bytes: Uint8Array): PcmAudio {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error('decodeWav: not a RIFF/WAVE file');
  let offset = 12;
  let format: { tag: number; channels: number; sampleRate: number; bits: number } | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    let size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = { tag: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
      if (format.tag === 0xfffe) format.tag = buf.readUInt16LE(body + 24);
    } else if (id === 'data') {
      if (!format) throw new Error('decodeWav: data chunk before fmt chunk');
      // Streaming writers (espeak-ng --stdout) leave the size as 0 or 0xFFFFFFFF: read to the end.
      if (size === 0 || size === 0xffffffff || body + size > buf.length) size = buf.length - body;
      return { sampleRate: format.sampleRate, channels: deinterleave(buf.subarray(body, body + size), format) };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('decodeWav: no data chunk');
}

function deinterleave(data: Buffer, format: { tag: number; channels: number; bits: number }): Float32Array[] {
  const pcm16 = format.tag === 1 && format.bits === 16;
  const float32 = format.tag === 3 && format.bits === 32;
  if (!pcm16 && !float32) throw new Error(`decodeWav: unsupported encoding (tag ${format.tag}, ${format.bits} bits)`);
  const bytesPerSample = format.bits / 8;
  const frames = Math.floor(data.length / (bytesPerSample * format.channels));
  const channels = Array.from({ length: format.channels }, () => new Float32Array(frames));
  let offset = 0;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < format.channels; c++) {
      channels[c]![i] = pcm16 ? data.readInt16LE(offset) / 0x8000 : data.readFloatLE(offset);
      offset += bytesPerSample;
    }
  }
  return channels;
}

/**
 * Where the data chunk starts and how long its header says it is, from the first bytes of a WAV
 * file. null when the chunk is not within `head`, or its size is a streaming placeholder.
 */
export function wavDataExtent(head: Uint8Array): { dataOffset: number; dataBytes: number } | null {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return null;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    if (id === 'data') return size === 0 || size === 0xffffffff ? null : { dataOffset: offset + 8, dataBytes: size };
    offset += 8 + size + (size % 2);
  }
  return null;
}
