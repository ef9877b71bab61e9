import { describe, expect, it } from 'vitest';
import { synthesizeSpeech } from './synthesized-speech';

const TEXT = 'Would it be all right if I shared a few ideas?';

describe('synthesizeSpeech', () => {
  it.each(['en-us+f3', 'flite:awb', 'festival:cmu_us_slt_arctic_hts'])('speaks with %s: trimmed, at the asked rate, the same samples every time', async (voice) => {
    const a = await synthesizeSpeech(TEXT, { voice, sampleRate: 16000 });
    const b = await synthesizeSpeech(TEXT, { voice, sampleRate: 16000 });
    expect(a.sampleRate).toBe(16000);
    // About two to four seconds of speech for ten words, with no silence left at either end.
    expect(a.samples.length / 16000).toBeGreaterThan(1.5);
    expect(a.samples.length / 16000).toBeLessThan(5);
    expect(Math.abs(a.samples[0]!)).toBeGreaterThan(0.002);
    expect(Math.abs(a.samples.at(-1)!)).toBeGreaterThan(0.002);
    expect(Buffer.from(b.samples.buffer).equals(Buffer.from(a.samples.buffer))).toBe(true);
  });

  it('reads a line that looks like an option or like Scheme as text', async () => {
    const clip = await synthesizeSpeech('-o "(quit)" hello', { voice: 'festival:cmu_us_slt_arctic_hts', sampleRate: 16000 });
    expect(clip.samples.length).toBeGreaterThan(8000);
  });

  it('refuses a synthesiser it does not know', async () => {
    await expect(synthesizeSpeech(TEXT, { voice: 'say:alex', sampleRate: 16000 })).rejects.toThrow(/unknown speech synthesiser "say"/);
  });
});
