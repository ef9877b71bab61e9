import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../paths';
import { parseFeedbackArgs } from './feedback-args';

// Each of these exits before any runtime starts: the answers come from argument parsing alone.
function feedback(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/feedback.mjs'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('feedback usage', () => {
  it('prints the package version for --version', () => {
    const r = feedback('--version');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
  }, 60_000);

  it('answers an unknown option with one line on stderr and exit 2, no stack trace', () => {
    for (const args of [['--bogus'], ['evaluate', 'a.wav', '--bogus'], ['audit', 'verify', '--bogus'], ['tokens', 'list', '--bogus'], ['keys', 'status', '--bogus'], ['admin', 'create-org', '--bogus']]) {
      const r = feedback(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toContain("Unknown option '--bogus'");
      expect(r.stderr).not.toMatch(/ERR_PARSE_ARGS|\n\s+at /);
    }
  }, 120_000);

  it('answers an unknown sub-command action with one line on stderr and exit 2', () => {
    for (const [args, text] of [[['keys', 'shred'], "feedback keys: Unknown action 'shred'."], [['audit', 'check'], "feedback audit: Unknown action 'check'."], [['tokens', 'burn', '--org', 'x'], 'feedback tokens: Name an action']] as const) {
      const r = feedback(...args);
      expect([r.code, r.stdout], args.join(' ')).toEqual([2, '']);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(text);
    }
  }, 120_000);

  it('prints usage on stdout with exit 0 only when help is asked for', () => {
    const r = feedback('--help');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('feedback evaluate <stereo-audio>');
    expect(feedback('keys', '--help')).toMatchObject({ code: 0, stderr: '', stdout: expect.stringContaining('feedback keys init') });
  }, 60_000);
});

describe('parseFeedbackArgs', () => {
  it('reads evaluate and demo with their options', () => {
    expect(parseFeedbackArgs(['evaluate', 'x.wav', '--rubric', 'r', '--out', 'o.pdf'])).toEqual({ kind: 'evaluate', audio: 'x.wav', values: { rubric: 'r', out: 'o.pdf' } });
    expect(parseFeedbackArgs(['demo', '--json', 'j.json'])).toEqual({ kind: 'demo', values: { json: 'j.json' } });
    expect(parseFeedbackArgs(['--version'])).toEqual({ kind: 'version' });
    expect(parseFeedbackArgs(['-h', 'evaluate'])).toEqual({ kind: 'help' });
  });

  it('turns every bad usage into a usage error', () => {
    expect(parseFeedbackArgs([])).toEqual({ kind: 'usage-error', message: 'Name a command.', withUsage: true });
    expect(parseFeedbackArgs(['evaluat'])).toEqual({ kind: 'usage-error', message: "Unknown command 'evaluat'.", withUsage: true });
    expect(parseFeedbackArgs(['evaluate'])).toMatchObject({ kind: 'usage-error', withUsage: false });
    expect(parseFeedbackArgs(['evaluate', 'a.wav', 'b.wav'])).toEqual({ kind: 'usage-error', message: 'Unexpected argument(s): b.wav', withUsage: false });
    expect(parseFeedbackArgs(['demo', '--out'])).toMatchObject({ kind: 'usage-error', message: expect.stringContaining('--out') });
    expect(parseFeedbackArgs(['--rubric=x', '--nope'])).toEqual({ kind: 'usage-error', message: "Unknown option '--nope'.", withUsage: false });
  });
});
