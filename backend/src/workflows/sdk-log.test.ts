import { describe, expect, it } from 'vitest';
import { createLogger } from '../runtime/log';
import { captureLogLines } from '../testing/log-capture';
import { sdkLogger } from './sdk-log';

describe('the Temporal SDK logger', () => {
  it('writes the SDK warnings and errors as pino lines at 40 and 50 with their metadata, and drops its info chatter', () => {
    const sink = captureLogLines();
    const logger = sdkLogger(createLogger('debug', sink.sink).child('temporal-sdk'));
    logger.info('Worker state changed', { state: 'RUNNING' });
    logger.debug('polling');
    logger.warn('Failed to poll', { taskQueue: 'q1' });
    logger.error('Worker failed', { sdkComponent: 'worker' });
    expect(sink.lines.map((l) => [l.level, l.msg, l.component])).toEqual([
      [40, 'Failed to poll', 'temporal-sdk'],
      [50, 'Worker failed', 'temporal-sdk'],
    ]);
    expect(sink.lines[0]).toMatchObject({ taskQueue: 'q1' });
    expect(sink.lines[1]).toMatchObject({ sdkComponent: 'worker' });
  });
});
