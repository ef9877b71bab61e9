import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { AppError } from '../../app/contracts/errors';

const run = promisify(execFile);

export interface MediaTools {
  ffmpeg: string;
  ffprobe: string;
}
export const defaultMediaTools: MediaTools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };

export interface AudioScan {
  /** End of the last audio packet. */
  durationSec: number;
  packets: number;
  /** What the demuxer complained about; empty for a whole file. */
  errors: string;
}

/** Demuxes every audio packet without decoding (the same check the backend's validation makes). */
export async function scanAudio(file: string, tools: MediaTools = defaultMediaTools): Promise<AudioScan> {
  const { stdout, stderr } = await run(tools.ffprobe, ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file], {
    maxBuffer: 256 * 1024 * 1024,
  });
  let end = 0;
  let packets = 0;
  for (const line of stdout.split('\n')) {
    const [pts, dur] = line.split(',');
    if (!pts) continue;
    const t = Number(pts) + (Number(dur) || 0);
    if (Number.isFinite(t)) end = Math.max(end, t);
    packets++;
  }
  return { durationSec: Math.round(end * 1e6) / 1e6, packets, errors: stderr.trim() };
}

const REENCODE: Record<string, string[]> = {
  webm: ['-c:a', 'libopus', '-b:a', '128k'],
  ogg: ['-c:a', 'libopus', '-b:a', '128k'],
  wav: ['-c:a', 'pcm_s16le'],
  flac: ['-c:a', 'flac'],
};

/**
 * Rebuilds a recording that a crash cut short (for MediaRecorder WebM: mid-cluster, no duration,
 * no cues) into a whole file of the same container: first by remuxing the packets that are there
 * (lossless), and only if the result still does not scan cleanly by re-encoding them.
 */
export async function rebuildRecording(input: string, output: string, container: string, tools: MediaTools = defaultMediaTools): Promise<{ method: 'remux' | 'reencode'; scan: AudioScan }> {
  const attempts: { method: 'remux' | 'reencode'; codec: string[] }[] = [{ method: 'remux', codec: ['-c', 'copy'] }];
  const reencode = REENCODE[container];
  if (reencode) attempts.push({ method: 'reencode', codec: reencode });
  const failures: string[] = [];
  for (const a of attempts) {
    try {
      await run(tools.ffmpeg, ['-y', '-v', 'error', '-i', input, '-vn', ...a.codec, '-f', container, output], { maxBuffer: 16 * 1024 * 1024 });
      const scan = await scanAudio(output, tools);
      if (scan.packets > 0 && !scan.errors) return { method: a.method, scan };
      failures.push(`${a.method}: ${scan.packets === 0 ? 'no audio packets' : scan.errors}`);
    } catch (e) {
      failures.push(`${a.method}: ${toolMessage(e)}`);
    }
  }
  await rm(output, { force: true });
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
