import { describe, expect, it } from 'vitest';
import { createSingleFlight } from './single-flight';

describe('single-flight loads', () => {
  it('runs one load for concurrent callers of the same key and separate loads for other keys', async () => {
    const flight = createSingleFlight<string>();
    const loads: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = (key: string) => async () => {
      loads.push(key);
      await gate;
      return `value of ${key}`;
    };
    const all = Promise.all([flight.run('a', load('a')), flight.run('a', load('a')), flight.run('b', load('b')), flight.run('a', load('a'))]);
    release();
    expect(await all).toEqual(['value of a', 'value of a', 'value of b', 'value of a']);
    expect(loads).toEqual(['a', 'b']);
  });

  it('forgets a settled load, so the next miss loads again, and shares but does not keep a failure', async () => {
    const flight = createSingleFlight<number>();
    let n = 0;
    const failing = async () => {
      n += 1;
      throw new Error(`boom ${n}`);
    };
    const results = await Promise.allSettled([flight.run('k', failing), flight.run('k', failing)]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual(['boom 1', 'boom 1']);
    expect(flight.size).toBe(0);
    expect(await flight.run('k', async () => 7)).toBe(7);
    expect(await flight.run('k', async () => 8)).toBe(8);
  });
});
