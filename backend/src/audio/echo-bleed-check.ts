import { detectEchoBleed, type EchoBleedOptions, type EchoBleedResult } from '../../../app/audio/echo-bleed';
import { decodeChannels, type DecodedChannels } from './decode';

/**
 * Echo bleed of a decoded two-channel recording (channel 0 = session owner's microphone after echo
 * cancellation, channel 1 = the other party as received): the far end heard again in channel 0,
 * so the report can advise a headset. Pure computation on samples the pipeline already decoded.
 */
export function echoBleedOfDecoded(decoded: DecodedChannels, options: Partial<EchoBleedOptions> = {}): EchoBleedResult {
  return detectEchoBleed(decoded.channels[0], decoded.channels[1], decoded.sampleRate, options);
}

/** The same for a recording file (decodes it with ffmpeg first; pass `decoded` to reuse a decode). */
export async function checkEchoBleed(filePath: string, opts: { decoded?: DecodedChannels; options?: Partial<EchoBleedOptions> } = {}): Promise<EchoBleedResult> {
  return echoBleedOfDecoded(opts.decoded ?? (await decodeChannels(filePath)), opts.options);
}
