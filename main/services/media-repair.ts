import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../app/contracts/errors';
import { packetScanArgs, readPacketScan, type PacketScan } from '../../app/audio/packet-scan';

export interface MediaTools {
  ffmpeg: string;
  ffprobe: string;
}
export const defaultMediaTools: MediaTools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };

/** Where a tool reads its input: a file, or bytes piped to its stdin (decrypted recordings never touch the disk in clear). */
export type MediaInput = string | (() => AsyncIterable<Uint8Array>);

interface ToolRun {
  stdout: string;
  stderr: string;
}

/**
 * Runs a tool with its input from a file or stdin; stdout is collected as text, or handed to
 * `consume` (which must read it to the end). Fails like execFile: an Error with `stderr` attached.
 */
function runTool(cmd: string, args: string[], input: MediaInput, consume?: (stdout: Readable) => Promise<void>): Promise<ToolRun> {
  const argv = args.map((a) => (a === '{input}' ? (typeof input === 'string' ? input : 'pipe:0') : a));
  const child = spawn(cmd, argv, { stdio: [typeof input === 'string' ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  const { stdout, stderr: err } = child as unknown as { stdout: Readable; stderr: Readable };
  let stderr = '';
  err.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-64 * 1024)));
  const out: Buffer[] = [];
  const reading = consume
    ? consume(stdout).catch((e: unknown) => {
        child.kill();
        throw e;
      })
    : (async () => void stdout.on('data', (d: Buffer) => out.push(d)))();
  // A tool that stops reading early (bad input) closes its stdin: that is its answer, not ours. A
  // source that fails (a record that does not decrypt) fails the run: the tool must not see a
  // shortened input as the whole recording.
  let sourceError: unknown;
  const source = async function* (feed: () => AsyncIterable<Uint8Array>) {
    try {
      yield* feed();
    } catch (e) {
      sourceError = e;
      child.kill();
      throw e;
    }
  };
  const feeding = typeof input === 'string' ? Promise.resolve() : pipeline(Readable.from(source(input)), child.stdin!).catch(() => undefined);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return Promise.all([exited, reading, feeding]).then(([code]) => {
    if (sourceError) throw sourceError;
    if (code !== 0) throw Object.assign(new Error(`${cmd} exited with ${code}`), { stderr });
    return { stdout: Buffer.concat(out).toString('utf8'), stderr };
  });
}

/** Demuxes every audio packet without decoding (the same check the backend's validation makes). */
export async function scanAudio(input: MediaInput, tools: MediaTools = defaultMediaTools): Promise<PacketScan> {
  const { stdout, stderr } = await runTool(tools.ffprobe, packetScanArgs('{input}'), input);
  return readPacketScan(stdout, stderr);
}

const REENCODE: Record<string, string[]> = {
  webm: ['-c:a', 'libopus', '-b:a', '128k'],
  ogg: ['-c:a', 'libopus', '-b:a', '128k'],
  wav: ['-c:a', 'pcm_s16le'],
  flac: ['-c:a', 'flac'],
};

/** Where a rebuilt recording goes: `write` stores the tool's output stream, `input` reads it back, `remove` drops it. */
export interface MediaOutput {
  write(stream: Readable): Promise<void>;
  input: MediaInput;
  remove(): Promise<void>;
}

/**
 * Rebuilds a recording that a crash cut short (for MediaRecorder WebM: mid-cluster, no duration,
 * no cues) into a whole file of the same container: first by remuxing the packets that are there
 * (lossless), and only if the result still does not scan cleanly by re-encoding them. Input and
 * output are streamed through pipes, so the store can keep both encrypted on disk.
 */
export async function rebuildRecording(input: MediaInput, output: MediaOutput, container: string, tools: MediaTools = defaultMediaTools): Promise<{ method: 'remux' | 'reencode'; scan: PacketScan }> {
  const attempts: { method: 'remux' | 'reencode'; codec: string[] }[] = [{ method: 'remux', codec: ['-c', 'copy'] }];
  const reencode = REENCODE[container];
  if (reencode) attempts.push({ method: 'reencode', codec: reencode });
  const failures: string[] = [];
  for (const a of attempts) {
    try {
      await runTool(tools.ffmpeg, ['-y', '-v', 'error', '-i', '{input}', '-vn', ...a.codec, '-f', container, 'pipe:1'], input, (stdout) => output.write(stdout));
      const scan = await scanAudio(output.input, tools);
      if (scan.packets > 0 && !scan.errors) return { method: a.method, scan };
      failures.push(`${a.method}: ${scan.packets === 0 ? 'no audio packets' : scan.errors}`);
    } catch (e) {
      if (e instanceof AppError) {
        await output.remove();
        throw e;
      }
      failures.push(`${a.method}: ${toolMessage(e)}`);
    }
  }
  await output.remove();
  throw new AppError('recording.recovery_failed', `The interrupted recording could not be rebuilt. ${failures.join(' | ')}`.slice(0, 2000), { details: { container } });
}

function toolMessage(e: unknown): string {
  const stderr = (e as { stderr?: unknown }).stderr;
  if (typeof stderr === 'string' && stderr.trim()) return stderr.trim().split('\n').slice(-3).join(' ');
  return e instanceof Error ? e.message : String(e);
}

/** The container our tools write for a MediaRecorder MIME type (`audio/webm;codecs=opus` → webm). */
export function containerOf(mimeType: string): string {
  const base = mimeType.split(';')[0]!.trim().toLowerCase();
  if (base.endsWith('/webm')) return 'webm';
  if (base.endsWith('/ogg')) return 'ogg';
  if (base.endsWith('/wav') || base.endsWith('/wave') || base.endsWith('/x-wav')) return 'wav';
  if (base.endsWith('/flac')) return 'flac';
  return 'bin';
}
