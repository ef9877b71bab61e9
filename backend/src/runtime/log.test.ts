import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { createLogger } from './log';

/** A pino destination that keeps the raw JSON lines, so a duplicated key is visible (JSON.parse keeps only the last). */
function rawSink() {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { raw, stream, lines: () => raw.map((l) => JSON.parse(l) as { level: number; msg: string; component: string; [k: string]: unknown }) };
}

const levelKeys = (line: string) => line.match(/"level":/g)?.length ?? 0;

describe('Log', () => {
  it('writes each call at its own pino level, calling it plainly at info', () => {
    const sink = rawSink();
    const log = createLogger('debug', sink.stream).child('unit');
    log.debug('d', { n: 1 });
    log('plain');
    log.info('i');
    log.warn('w', { n: 2 });
    log.error('e');
    expect(sink.lines().map((l) => [l.msg, l.level, l.component])).toEqual([
      ['d', 20, 'unit'],
      ['plain', 30, 'unit'],
      ['i', 30, 'unit'],
      ['w', 40, 'unit'],
      ['e', 50, 'unit'],
    ]);
    expect(sink.lines()[3]).toMatchObject({ n: 2 });
    for (const line of sink.raw) expect(levelKeys(line)).toBe(1);
  });

  it('writes one level key when the data has a field named level', () => {
    const sink = rawSink();
    const log = createLogger('info', sink.stream).child('unit');
    log.error('upstream said', { level: 'info', status: 502 });
    expect(sink.raw).toHaveLength(1);
    expect(levelKeys(sink.raw[0]!)).toBe(1);
    expect(sink.lines()[0]).toMatchObject({ level: 50, msg: 'upstream said', status: 502, dataLevel: 'info' });
  });

  it('drops the calls below LOG_LEVEL', () => {
    const config = loadConfig({ LOG_LEVEL: 'warn' });
    const sink = rawSink();
    const log = createLogger(config.logLevel, sink.stream).child('unit');
    log.debug('d');
    log('plain');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(sink.lines().map((l) => [l.msg, l.level])).toEqual([
      ['w', 40],
      ['e', 50],
    ]);
    expect(loadConfig({}).logLevel).toBe('info');
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL/);
  });
});
