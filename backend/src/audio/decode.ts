import { spawn } from 'node:child_process';
import { AppError } from '../../../app/contracts/errors';
import { probeRecording, type ProbeResult } from './probe';

export const DECODE_SAMPLE_RATE = 16000;

export interface DecodedChannels {
  sampleRate: typeof DECODE_SAMPLE_RATE;
  durationSec: number;
  /** Channel 0 (session owner) and channel 1 (other party), samples in [-1, 1]. */
  channels: [Float32Array, Float32Array];
}

const FRAME_BYTES = 8; // two float32 samples
const STDERR_LIMIT = 16 * 1024;

/**
 * Decodes a two-channel recording to 16 kHz float samples per channel with one ffmpeg run.
 * Samples are written straight from ffmpeg's stdout into per-channel arrays sized from the probed
 * duration, so a 30-minute session costs its two channels (about 115 MB each) and little more.
 */
export async function decodeChannels(filePath: string, opts: { probe?: ProbeResult } = {}): Promise<DecodedChannels> {
  const probe = opts.probe ?? (await probeRecording(filePath));
  if (probe.channels === 1) throw new AppError('recording.mono', 'The recording has one channel; two are needed.');
  if (probe.channels !== 2) throw new AppError('recording.unsupported_format', `The recording has ${probe.channels} channels; exactly two are needed.`);

  const sink = new ChannelSink(Math.ceil((probe.durationSec + 1) * DECODE_SAMPLE_RATE));
  const child = spawn('ffmpeg', ['-nostdin', '-v', 'error', '-i', filePath, '-map', '0:a:0', '-ar', String(DECODE_SAMPLE_RATE), '-c:a', 'pcm_f32le', '-f', 'f32le', 'pipe:1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    if (stderr.length < STDERR_LIMIT) stderr += text;
  });
  child.stdout.on('data', (chunk: Buffer) => sink.write(chunk));
  const exit = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
  if (exit.error) throw new AppError('runtime.binary_missing', `ffmpeg could not be started: ${exit.error.message}. Install ffmpeg.`, { cause: exit.error });
  if (exit.code !== 0) {
    throw new AppError('recording.corrupt', `The recording could not be decoded: ${stderr.trim().split('\n').slice(-3).join(' ') || `ffmpeg exited with ${exit.code}`}`);
  }
  const channels = sink.finish();
  if (channels[0].length === 0) throw new AppError('recording.corrupt', 'The recording holds no audio samples.');
  return { sampleRate: DECODE_SAMPLE_RATE, durationSec: channels[0].length / DECODE_SAMPLE_RATE, channels };
}

/** Deinterleaves f32le stereo frames as they arrive; grows only if the probed duration was short. */
class ChannelSink {
  private left: Float32Array;
  private right: Float32Array;
  private frames = 0;
  private pending = new Uint8Array(0);
  // Chunks need not start on a 4-byte boundary: copy into an aligned scratch buffer (x86/ARM are little-endian, like f32le).
  private scratch = new Uint8Array(1 << 16);

  constructor(capacityFrames: number) {
    this.left = new Float32Array(capacityFrames);
    this.right = new Float32Array(capacityFrames);
  }

  write(chunk: Buffer): void {
    const total = this.pending.length + chunk.length;
    const usable = total - (total % FRAME_BYTES);
    if (this.scratch.length < Math.max(usable, total)) this.scratch = new Uint8Array(Math.max(usable, total));
    this.scratch.set(this.pending, 0);
    this.scratch.set(chunk, this.pending.length);
    // Less than a frame left over (pending is always shorter than one frame).
    this.pending = this.scratch.slice(usable, total);
    const samples = new Float32Array(this.scratch.buffer, 0, usable / 4);
    const count = usable / FRAME_BYTES;
    this.ensure(this.frames + count);
    for (let i = 0; i < count; i++) {
      this.left[this.frames + i] = samples[2 * i]!;
      this.right[this.frames + i] = samples[2 * i + 1]!;
    }
    this.frames += count;
  }

  finish(): [Float32Array, Float32Array] {
    // Return views when the estimate was close; copy when a large grown tail would be kept alive.
    const trim = (a: Float32Array) => (a.length - this.frames > DECODE_SAMPLE_RATE * 10 ? a.slice(0, this.frames) : a.subarray(0, this.frames));
    return [trim(this.left), trim(this.right)];
  }

  private ensure(frames: number): void {
    if (frames <= this.left.length) return;
    const capacity = Math.max(frames, Math.ceil(this.left.length * 1.5));
    const grow = (a: Float32Array) => {
      const b = new Float32Array(capacity);
      b.set(a.subarray(0, this.frames));
      return b;
    };
    this.left = grow(this.left);
    this.right = grow(this.right);
  }
}
