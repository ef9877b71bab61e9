import { spawn } from 'node:child_process';
import { decodeWav } from '../../audio/wav';

const RATE = 16000;

/**
 * An uploaded audio file → 16 kHz mono float samples. The pipeline sends 16 kHz mono PCM16 WAV,
 * read directly; anything else (other rates, stereo, WebM, MP3) goes through ffmpeg.
 */
export async function uploadToMono16k(audio: Uint8Array, signal?: AbortSignal): Promise<Float32Array> {
  try {
    const wav = decodeWav(audio);
    if (wav.sampleRate === RATE && wav.channels.length === 1) return wav.channels[0]!;
  } catch {
    // not a WAV we read ourselves: let ffmpeg try
  }
  return ffmpegMono16k(audio, signal);
}

function ffmpegMono16k(audio: Uint8Array, signal?: AbortSignal): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-nostdin', '-v', 'error', '-i', 'pipe:0', '-ac', '1', '-ar', String(RATE), '-f', 'f32le', 'pipe:1'], { stdio: ['pipe', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4096) stderr += c.toString('utf8');
    });
    child.stdin.on('error', () => undefined); // ffmpeg may stop reading a file it cannot parse
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg could not decode the upload: ${stderr.trim() || `exit ${String(code)}`}`));
      const bytes = Buffer.concat(out);
      const samples = new Float32Array(Math.floor(bytes.length / 4));
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readFloatLE(i * 4);
      resolve(samples);
    });
    child.stdin.end(Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength));
  });
}
