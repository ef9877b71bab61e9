import { describe, expect, it } from 'vitest';
import { detectSpeech, isSilentChannel } from '../app/audio/vad';
import { place, speak } from './speech-fixtures';

// app/ may not spawn processes, so the VAD's test on real synthetic speech lives here.
const SR = 16000;

describe('detectSpeech on espeak-ng speech', () => {
  it('finds each utterance within 0.1 s of where it was placed', () => {
    const a = speak('Good morning, how are you today?');
    const b = speak('I am fine, thank you.', 'en-gb+f3');
    const pcm = place(12, [{ at: 1, pcm: a }, { at: 7.5, pcm: b }]);
    const regions = detectSpeech(pcm, SR, 0);
    const truth = [[1, 1 + a.length / SR], [7.5, 7.5 + b.length / SR]];
    expect(regions).toHaveLength(2);
    regions.forEach((reg, i) => {
      expect(Math.abs(reg.start - truth[i]![0]!)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(reg.end - truth[i]![1]!)).toBeLessThanOrEqual(0.1);
    });
  });

  it('ignores the other speaker leaking in 30 dB lower and calls a bleed-only channel silent', () => {
    const own = speak('Tell me more about that.');
    const other = speak('Well, it started last winter when I changed jobs.', 'en-gb+f3');
    const mixed = place(10, [{ at: 1, pcm: own }, { at: 4, pcm: other, gain: 10 ** (-30 / 20) }]);
    const regions = detectSpeech(mixed, SR, 0);
    expect(regions).toHaveLength(1);
    expect(regions[0]!.end).toBeLessThan(4);

    // Alone on a channel, bleed is only told apart by its absolute level: espeak-ng peaks near
    // -10 dBFS, so -45 dB puts the bleed below -50 dBFS, as after echo cancellation.
    const bleedOnly = place(10, [{ at: 4, pcm: other, gain: 10 ** (-45 / 20) }]);
    expect(isSilentChannel(detectSpeech(bleedOnly, SR, 1), 10)).toBe(true);
  });
});
