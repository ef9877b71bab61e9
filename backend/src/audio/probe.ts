import { execFile } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { AppError } from '../../../app/contracts/errors';
import { sniffAudioHeader } from '../../../app/audio/sniff';
import { packetScanArgs, readPacketScan, type PacketScan } from '../../../app/audio/packet-scan';

const run = promisify(execFile);
/** ffprobe's packet listing of a 30-minute WAV is a few MB of CSV. */
const MAX_TOOL_OUTPUT = 256 * 1024 * 1024;

export interface ProbeResult {
  /** 'wav' | 'ogg' | 'webm' | 'flac', or ffprobe's format name for anything else. */
  container: string;
  /** ffprobe codec name of the first audio stream, e.g. 'pcm_s16le', 'opus', 'flac'. */
  codec: string;
  channels: number;
  sampleRate: number;
  durationSec: number;
  bytes: number;
}

interface FfprobeOutput {
  streams?: { codec_type?: string; codec_name?: string; channels?: number; sample_rate?: string; duration?: string }[];
  format?: { format_name?: string; duration?: string };
}

/** Reads the container and first audio stream with ffprobe. Throws AppError on files that are not audio. */
export async function probeRecording(filePath: string): Promise<ProbeResult> {
  const bytes = await fileSize(filePath);
  let out: FfprobeOutput;
  try {
    const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', filePath], { maxBuffer: MAX_TOOL_OUTPUT });
    out = JSON.parse(stdout) as FfprobeOutput;
  } catch (cause) {
    throw await unreadable(filePath, cause);
  }
  const stream = out.streams?.find((s) => s.codec_type === 'audio');
  if (!stream) throw new AppError('recording.unsupported_format', 'The file has no audio stream.', { details: { container: out.format?.format_name } });
  const container = normalizeContainer(out.format?.format_name ?? 'unknown');
  let durationSec = Number(out.format?.duration ?? stream.duration);
  // MediaRecorder's WebM and other streamed files carry no duration: count the packets instead.
  if (!Number.isFinite(durationSec) || durationSec <= 0) durationSec = (await scanPackets(filePath)).durationSec;
  return {
    container,
    codec: stream.codec_name ?? 'unknown',
    channels: stream.channels ?? 0,
    sampleRate: Number(stream.sample_rate ?? 0),
    durationSec: roundMicro(durationSec),
    bytes,
  };
}

/** Demuxes (without decoding) every packet of the first audio stream; cheap even for long files. */
export async function scanPackets(filePath: string): Promise<PacketScan> {
  try {
    const { stdout, stderr } = await run('ffprobe', packetScanArgs(filePath), { maxBuffer: MAX_TOOL_OUTPUT });
    return readPacketScan(stdout, stderr);
  } catch (cause) {
    throw await unreadable(filePath, cause);
  }
}

const roundMicro = (x: number) => Math.round(x * 1e6) / 1e6;

function normalizeContainer(formatName: string): string {
  const names = formatName.split(',');
  if (names.includes('webm')) return 'webm';
  for (const known of ['wav', 'ogg', 'flac']) if (names.includes(known)) return known;
  return formatName;
}

async function fileSize(filePath: string): Promise<number> {
  try {
    return (await stat(filePath)).size;
  } catch (cause) {
    throw new AppError('recording.missing', `Recording file not found: ${filePath}`, { cause });
  }
}

/** A file that looks like a supported container but cannot be read is corrupt; anything else is not audio we take. */
async function unreadable(filePath: string, cause: unknown): Promise<AppError> {
  const kind = sniffAudioHeader(await readHead(filePath));
  const detail = toolMessage(cause);
  return kind
    ? new AppError('recording.corrupt', `The ${kind} file could not be read: ${detail}`, { cause })
    : new AppError('recording.unsupported_format', 'The file is not a recording in a supported format (WAV, Ogg/WebM Opus, FLAC).', { cause });
}

export async function readHead(filePath: string, length = 64): Promise<Uint8Array> {
  const handle = await open(filePath, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export function toolMessage(cause: unknown): string {
  const stderr = (cause as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' && stderr.trim() ? stderr.trim() : cause instanceof Error ? cause.message : String(cause);
  return text.split('\n').slice(-3).join(' ').slice(0, 500);
}
