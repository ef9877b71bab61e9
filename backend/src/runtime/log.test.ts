import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { createLogger } from './log';
import { captureLogLines } from '../testing/log-capture';

// captureLogLines keeps the raw JSON lines too, so a duplicated key is visible (JSON.parse keeps only the last).
const levelKeys = (line: string) => line.match(/"level":/g)?.length ?? 0;

describe('Log', () => {
  it('writes each call at its own pino level, calling it plainly at info', () => {
    const capture = captureLogLines();
    const log = createLogger('debug', capture.sink).child('unit');
    log.debug('d', { n: 1 });
    log('plain');
    log.info('i');
    log.warn('w', { n: 2 });
    log.error('e');
    expect(capture.lines.map((l) => [l.msg, l.level, l.component])).toEqual([
      ['d', 20, 'unit'],
      ['plain', 30, 'unit'],
      ['i', 30, 'unit'],
      ['w', 40, 'unit'],
      ['e', 50, 'unit'],
    ]);
    expect(capture.lines[3]).toMatchObject({ n: 2 });
    for (const line of capture.raw) expect(levelKeys(line)).toBe(1);
  });

  it('writes one level key when the data has a field named level', () => {
    const capture = captureLogLines();
    const log = createLogger('info', capture.sink).child('unit');
    log.error('upstream said', { level: 'info', status: 502 });
    expect(capture.raw).toHaveLength(1);
    expect(levelKeys(capture.raw[0]!)).toBe(1);
    expect(capture.lines[0]).toMatchObject({ level: 50, msg: 'upstream said', status: 502, dataLevel: 'info' });
  });

  it('drops the calls below LOG_LEVEL', () => {
    const config = loadConfig({ LOG_LEVEL: 'warn' });
    const capture = captureLogLines();
    const log = createLogger(config.logLevel, capture.sink).child('unit');
    log.debug('d');
    log('plain');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(capture.lines.map((l) => [l.msg, l.level])).toEqual([
      ['w', 40],
      ['e', 50],
    ]);
    expect(loadConfig({}).logLevel).toBe('info');
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL/);
  });
});
