export type AudioContainer = 'wav' | 'webm' | 'ogg' | 'flac';

/**
 * Names the container from a file's first bytes (12 are enough), or null when it is none we accept.
 * A quick content check at upload time; ffprobe has the last word.
 */
export function sniffAudioHeader(head: Uint8Array): AudioContainer | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 12 && ['RIFF', 'RF64', 'BW64'].includes(ascii(0, 4)) && ascii(8, 12) === 'WAVE') return 'wav';
  // EBML magic: WebM and Matroska share it; MediaRecorder writes WebM.
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'webm';
  if (head.length >= 4 && ascii(0, 4) === 'OggS') return 'ogg';
  if (head.length >= 4 && ascii(0, 4) === 'fLaC') return 'flac';
  return null;
}
