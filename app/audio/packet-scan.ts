/** What ffprobe's packet listing says of a recording's first audio stream. */
export interface PacketScan {
  /** End of the last audio packet: the duration actually present in the file. */
  durationSec: number;
  packets: number;
  /** What the demuxer complained about (empty for a sound file). */
  errors: string;
}

/**
 * ffprobe's arguments for demuxing (without decoding) every packet of the first audio stream: cheap
 * even for long files, and the check both the backend's validation and the desktop's repair make.
 */
export const packetScanArgs = (input: string): string[] => ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', input];

/** Reads ffprobe's `pts_time,duration_time` lines (stdout) and its complaints (stderr). */
export function readPacketScan(stdout: string, stderr: string): PacketScan {
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
