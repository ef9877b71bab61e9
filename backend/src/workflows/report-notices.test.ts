import { describe, expect, it } from 'vitest';
import { reportNotices } from './report-notices';

const prepared = { durationSec: 60, regions: [[], []] as [[], []], container: 'wav', codec: 'pcm_s16le' };

describe('report notices', () => {
  it('advises a headset when the other participant was heard in the owner channel', () => {
    const [notice, ...rest] = reportNotices({ ...prepared, echoBleed: { detected: true, correlation: 0.82, lagMs: 160, bleedRatioDb: -23.6 } });
    expect(rest).toEqual([]);
    expect(notice).toMatch(/Use a headset/);
    expect(notice).toContain('160 ms');
    expect(notice).toContain('-24 dB');
  });

  it('says nothing for a clean recording or a run prepared before the check existed', () => {
    expect(reportNotices({ ...prepared, echoBleed: { detected: false, correlation: 0.1, lagMs: 0, bleedRatioDb: null } })).toEqual([]);
    expect(reportNotices(prepared)).toEqual([]);
    expect(reportNotices(undefined)).toEqual([]);
  });
});
