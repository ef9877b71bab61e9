import { AppError } from '../../../app/contracts/errors';
import { detectSpeech, isSilentChannel } from '../../../app/audio/vad';
import type { SpeechRegion } from '../../../app/transcript/transcript';
import { decodeChannels, type DecodedChannels } from './decode';
import type { ProbeResult } from './probe';

export interface ChannelSpeech {
  audio: DecodedChannels;
  regions: [SpeechRegion[], SpeechRegion[]];
}

/**
 * Decode both channels and find where each person speaks. A channel without speech means one
 * person was not recorded (wrong input, muted, a missing remote track): `recording.empty_channel`.
 */
export async function findChannelSpeech(filePath: string, probe?: ProbeResult): Promise<ChannelSpeech> {
  const audio = await decodeChannels(filePath, probe ? { probe } : {});
  const regions = ([0, 1] as const).map((ch) => detectSpeech(audio.channels[ch], audio.sampleRate, ch)) as [SpeechRegion[], SpeechRegion[]];
  const silent = ([0, 1] as const).filter((ch) => isSilentChannel(regions[ch], audio.durationSec));
  if (silent.length) {
    const who = silent.map((ch) => (ch === 0 ? 'channel 0 (session owner)' : 'channel 1 (other participant)')).join(' and ');
    throw new AppError('recording.empty_channel', `No speech on ${who}. Each person must be recorded on their own channel; check the microphone and that the call was connected.`, { details: { channels: silent } });
  }
  return { audio, regions };
}
