import { stat } from 'node:fs/promises';
import { AppError } from '../../../app/contracts/errors';
import { sniffAudioHeader } from '../../../app/audio/sniff';
import { probeRecording, readHead, scanPackets, type ProbeResult } from './probe';
import { wavDataExtent } from './wav';

export interface RecordingLimits {
  maxBytes: number;
  maxDurationSec: number;
}

/** Codecs accepted per container: what browsers record (Opus) and lossless PCM/FLAC. */
const ACCEPTED_CODECS: Record<string, readonly string[]> = {
  wav: ['pcm_s16le', 'pcm_s24le', 'pcm_s32le', 'pcm_f32le'],
  ogg: ['opus', 'flac'],
  webm: ['opus'],
  flac: ['flac'],
};

/**
 * A container whose header promises more audio than its packets hold was cut short (an aborted
 * copy). Allow for rounding of the last packet and for encoder delay.
 */
const TRUNCATION_TOLERANCE_SEC = 0.25;

/**
 * Checks that a file is a two-channel recording we can evaluate, within limits, and whole.
 * Returns the probe with the duration actually present in the file.
 */
export async function validateRecording(filePath: string, limits: RecordingLimits): Promise<ProbeResult> {
  let bytes: number;
  try {
    bytes = (await stat(filePath)).size;
  } catch (cause) {
    throw new AppError('recording.missing', `Recording file not found: ${filePath}`, { cause });
  }
  if (bytes > limits.maxBytes) {
    throw new AppError('recording.too_large', `The recording is ${bytes} bytes; the limit is ${limits.maxBytes}.`, { details: { bytes, maxBytes: limits.maxBytes } });
  }
  if (!sniffAudioHeader(await readHead(filePath))) {
    throw new AppError('recording.unsupported_format', 'The file is not a recording in a supported format (WAV, Ogg/WebM Opus, FLAC).');
  }

  const probe = await probeRecording(filePath);
  const accepted = ACCEPTED_CODECS[probe.container];
  if (!accepted || !accepted.includes(probe.codec)) {
    throw new AppError('recording.unsupported_format', `Unsupported audio: ${probe.codec} in ${probe.container}. Accepted: stereo WAV (PCM 16/24/32-bit or float), Opus in Ogg or WebM, FLAC.`, {
      details: { container: probe.container, codec: probe.codec },
    });
  }
  if (probe.channels === 1) {
    throw new AppError('recording.mono', 'The recording has one channel; each participant needs their own channel (two in all).', { details: { channels: 1 } });
  }
  if (probe.channels !== 2) {
    throw new AppError('recording.unsupported_format', `The recording has ${probe.channels} channels; exactly two are needed (channel 0 and channel 1, one per participant).`, {
      details: { channels: probe.channels },
    });
  }

  // ffprobe derives a WAV's duration from the file size, so a cut WAV looks whole to it: trust the header.
  if (probe.container === 'wav') {
    const extent = wavDataExtent(await readHead(filePath, 64 * 1024));
    if (extent && extent.dataOffset + extent.dataBytes > bytes) {
      throw new AppError('recording.corrupt', `The WAV file is truncated: its header promises ${extent.dataBytes} bytes of audio but the file holds ${bytes - extent.dataOffset}.`, {
        details: { declaredBytes: extent.dataBytes, presentBytes: bytes - extent.dataOffset },
      });
    }
  }

  const scan = await scanPackets(filePath);
  if (scan.errors || scan.packets === 0) {
    throw new AppError('recording.corrupt', `The recording is damaged: ${scan.errors || 'it holds no audio packets'}`, { details: { container: probe.container } });
  }
  if (probe.durationSec > scan.durationSec + TRUNCATION_TOLERANCE_SEC) {
    throw new AppError('recording.corrupt', `The recording is truncated: its header promises ${probe.durationSec.toFixed(2)} s but it holds ${scan.durationSec.toFixed(2)} s.`, {
      details: { declaredSec: probe.durationSec, presentSec: scan.durationSec },
    });
  }
  const durationSec = scan.durationSec;
  if (durationSec > limits.maxDurationSec) {
    throw new AppError('recording.too_long', `The recording lasts ${durationSec.toFixed(1)} s; the limit is ${limits.maxDurationSec} s.`, {
      details: { durationSec, maxDurationSec: limits.maxDurationSec },
    });
  }
  return { ...probe, durationSec };
}
