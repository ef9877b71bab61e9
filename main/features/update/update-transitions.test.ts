import { describe, expect, it } from 'vitest';
import { updateCommand, updateReducer, type UpdateEvent, type UpdatePhase, type UpdateState } from './update-state';

/**
 * Every phase × every event of the update reducer, written out as a table (independently of the
 * reducer's code), and a long random run checking the one rule that matters: nothing restarts the
 * app while a call or a recording runs.
 */
const phases: Record<string, UpdatePhase> = {
  idle: { phase: 'idle', lastCheckedAt: null },
  checking: { phase: 'checking' },
  downloading: { phase: 'downloading', version: '1.2.0', percent: 40 },
  downloaded: { phase: 'downloaded', version: '1.2.0', installWhenIdle: false },
  installing: { phase: 'installing', version: '1.2.0', trigger: 'user' },
  error: { phase: 'error', code: 'update.check_failed', message: 'HttpError: 503' },
};
const events: Record<string, UpdateEvent> = {
  check: { type: 'check-started' },
  none: { type: 'update-not-available', at: '2026-12-04T10:00:00Z' },
  available: { type: 'update-available', version: '1.3.0' },
  progress: { type: 'download-progress', percent: 50 },
  downloaded: { type: 'update-downloaded', version: '1.3.0' },
  failed: { type: 'failed', message: 'socket hang up' },
  busy: { type: 'busy-changed', busy: true },
  install: { type: 'install-requested' },
  quit: { type: 'app-quitting' },
};
type Row = Record<keyof typeof events, string>;
/** The phase after each event, from each phase, while nothing is running. */
const idleTable: Record<keyof typeof phases, Row> = {
  idle: { check: 'checking', none: 'idle', available: 'downloading', progress: 'idle', downloaded: 'downloaded', failed: 'error', busy: 'idle', install: 'idle', quit: 'idle' },
  checking: { check: 'checking', none: 'idle', available: 'downloading', progress: 'checking', downloaded: 'downloaded', failed: 'error', busy: 'checking', install: 'checking', quit: 'checking' },
  downloading: { check: 'downloading', none: 'downloading', available: 'downloading', progress: 'downloading', downloaded: 'downloaded', failed: 'error', busy: 'downloading', install: 'downloading', quit: 'downloading' },
  downloaded: { check: 'downloaded', none: 'downloaded', available: 'downloading', progress: 'downloaded', downloaded: 'downloaded', failed: 'downloaded', busy: 'downloaded', install: 'installing', quit: 'installing' },
  installing: { check: 'installing', none: 'installing', available: 'installing', progress: 'installing', downloaded: 'installing', failed: 'installing', busy: 'installing', install: 'installing', quit: 'installing' },
  error: { check: 'checking', none: 'error', available: 'downloading', progress: 'error', downloaded: 'downloaded', failed: 'error', busy: 'error', install: 'error', quit: 'error' },
};

describe('update reducer transition table', () => {
  for (const [from, row] of Object.entries(idleTable)) {
    it(`from ${from}`, () => {
      for (const [name, to] of Object.entries(row)) {
        const after = updateReducer({ busy: false, current: phases[from]! }, events[name]!);
        expect(after.current.phase, `${from} + ${name}`).toBe(to);
      }
    });
  }

  it('while busy, the same table except that an install request only marks the update to install when idle', () => {
    for (const [from, row] of Object.entries(idleTable)) {
      for (const [name, to] of Object.entries(row)) {
        const before: UpdateState = { busy: true, current: phases[from]! };
        const after = updateReducer(before, events[name]!);
        const expected = from === 'downloaded' && name === 'install' ? 'downloaded' : to;
        expect(after.current.phase, `busy: ${from} + ${name}`).toBe(expected);
        if (expected === 'installing' && from !== 'installing') expect(updateCommand(before, after), `busy: ${from} + ${name}`).toBe('install-on-quit');
      }
    }
  });
});

describe('update reducer over long random runs', () => {
  /** A small seeded generator, so a failure replays. */
  const rng = (seed: number) => () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

  it('never asks for a restart while a call or recording runs, and restarts only for an update the user asked for', () => {
    const pool: UpdateEvent[] = [...Object.values(events), { type: 'busy-changed', busy: false }, { type: 'busy-changed', busy: false }, { type: 'update-downloaded', version: '1.4.0' }];
    let restarts = 0;
    for (let run = 0; run < 200; run++) {
      const next = rng(run + 1);
      let s: UpdateState = { busy: false, current: { phase: 'idle', lastCheckedAt: null } };
      let asked = false;
      for (let i = 0; i < 60; i++) {
        const e = pool[Math.floor(next() * pool.length)]!;
        const after = updateReducer(s, e);
        if (e.type === 'install-requested' && s.current.phase === 'downloaded') asked = true;
        if (after.current.phase === 'downloaded' && s.current.phase !== 'downloaded') asked = false;
        const cmd = updateCommand(s, after);
        if (cmd === 'restart-and-install') {
          restarts++;
          expect(after.busy, `run ${run} step ${i}`).toBe(false);
          expect(asked, `run ${run} step ${i}: restart nobody asked for`).toBe(true);
        }
        // A percent is always 0…100 and never goes back within one download.
        if (after.current.phase === 'downloading' && s.current.phase === 'downloading' && after.current.version === s.current.version) expect(after.current.percent).toBeGreaterThanOrEqual(s.current.percent);
        s = after;
      }
    }
    // The run does reach the interesting case (otherwise the checks above would prove nothing).
    expect(restarts).toBeGreaterThan(10);
  });
});
