import { describe, expect, it } from 'vitest';
import { packetScanArgs, readPacketScan } from './packet-scan';

describe('packet scan', () => {
  it('takes the end of the last packet as the duration and counts every listed packet', () => {
    const stdout = '0.000000,0.020000\n0.020000,0.020000\n1.234567,0.0200004\n\n';
    expect(readPacketScan(stdout, '')).toEqual({ durationSec: 1.254567, packets: 3, errors: '' });
  });

  it('counts a packet without a duration and one whose time is not a number, but only a real time moves the end', () => {
    expect(readPacketScan('0.5,\nN/A,N/A\n', '')).toEqual({ durationSec: 0.5, packets: 2, errors: '' });
  });

  it("keeps the demuxer's complaints, trimmed", () => {
    expect(readPacketScan('', '  [ogg] CRC mismatch\n')).toEqual({ durationSec: 0, packets: 0, errors: '[ogg] CRC mismatch' });
  });

  it('asks ffprobe for the first audio stream only, with the input last', () => {
    const args = packetScanArgs('pipe:0');
    expect(args.slice(args.indexOf('-select_streams'), args.indexOf('-select_streams') + 2)).toEqual(['-select_streams', 'a:0']);
    expect(args.at(-1)).toBe('pipe:0');
  });
});
