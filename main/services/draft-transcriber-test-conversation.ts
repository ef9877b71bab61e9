import type { Channel } from '../../app/transcript/transcript';
import { place, speak } from '../../speech/speech-fixtures';

/**
 * A short two-party conversation for tests: real espeak-ng speech, one voice per channel (the
 * voices of the sample session), with the time of every line known from the audio itself.
 */
export interface TestConversation {
  channels: [Float32Array, Float32Array];
  lines: { channel: Channel; text: string; start: number; end: number }[];
  durationSec: number;
}

const SR = 16000;
const SCRIPT: { channel: Channel; text: string; gapSec: number }[] = [
  { channel: 0, gapSec: 0.8, text: 'Good morning. How have you been sleeping since our last appointment?' },
  { channel: 1, gapSec: 0.7, text: 'Not very well. I wake up at three most nights and cannot get back to sleep.' },
  { channel: 0, gapSec: 0.6, text: 'What do you usually do when that happens?' },
  { channel: 1, gapSec: 0.6, text: 'I get up and walk around the house for a while.' },
];
const VOICES = ['en-us+f3', 'en-gb+m3'] as const;

export function makeTestConversation(tailSec = 1.5): TestConversation {
  let t = 0;
  const lines = SCRIPT.map((l) => {
    const pcm = speak(l.text, VOICES[l.channel]);
    const start = t + l.gapSec;
    t = start + pcm.length / SR;
    return { channel: l.channel, text: l.text, start, end: t, pcm };
  });
  const durationSec = t + tailSec;
  const channels = ([0, 1] as const).map((c) => place(durationSec, lines.filter((l) => l.channel === c).map((l) => ({ at: l.start, pcm: l.pcm })))) as [Float32Array, Float32Array];
  return { channels, durationSec, lines: lines.map(({ channel, text, start, end }) => ({ channel, text, start, end })) };
}

/** The audio as the renderer sends it: both channels, chunk by chunk, in time order. */
export function* chunksOf(c: TestConversation, chunkSec = 0.5): Generator<{ channel: Channel; pcm: Float32Array; endSec: number }> {
  const step = Math.round(chunkSec * SR);
  for (let i = 0; i < c.channels[0].length; i += step) {
    for (const channel of [0, 1] as const) yield { channel, pcm: c.channels[channel].slice(i, i + step), endSec: Math.min(i + step, c.channels[0].length) / SR };
  }
}
