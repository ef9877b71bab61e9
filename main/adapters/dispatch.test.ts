import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../app/contracts/errors';
import type { ContractMap, HandlerMap } from '../../app/contracts/ipc-contract';
import { createDispatcher } from './dispatch';

const Contract = {
  'demo:double': { input: z.object({ n: z.number().int() }), output: z.object({ n: z.number() }) },
  'demo:lies': { input: z.object({}).default({}), output: z.object({ n: z.number() }) },
  'demo:throws': { input: z.object({ kind: z.enum(['app', 'bug']) }), output: z.null() },
} satisfies ContractMap;

describe('dispatcher', () => {
  const internal: string[] = [];
  const handlers: HandlerMap<typeof Contract> = {
    'demo:double': async ({ n }) => ({ n: n * 2 }),
    'demo:lies': async () => ({ n: 'three' }) as unknown as { n: number },
    'demo:throws': async ({ kind }) => {
      if (kind === 'app') throw new AppError('recording.not_found', 'No recording for that session.');
      throw new Error('ENOENT: /home/alice/.config/secret-path');
    },
  };
  const d = createDispatcher(Contract, handlers, { onInternalError: (channel) => internal.push(channel) });

  it('validates input, runs the handler and answers ok', async () => {
    expect(await d.call('demo:double', { n: 21 })).toEqual({ ok: true, value: { n: 42 } });
    expect(await d.call('demo:double', { n: 1.5 })).toMatchObject({ ok: false, error: { code: 'request.invalid', details: { issues: [{ path: 'n' }] } } });
  });

  it('turns an AppError into its code and an unexpected throw into internal without its message', async () => {
    expect(await d.call('demo:throws', { kind: 'app' })).toEqual({ ok: false, error: { code: 'recording.not_found', message: 'No recording for that session.' } });
    const bug = await d.call('demo:throws', { kind: 'bug' });
    expect(bug).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(bug)).not.toContain('alice');
    expect(internal).toContain('demo:throws');
  });

  it('refuses an answer that breaks the output contract', async () => {
    expect(await d.call('demo:lies', undefined)).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('knows only its own channels, not inherited properties', async () => {
    expect(d.has('demo:double')).toBe(true);
    expect(d.has('toString')).toBe(false);
    expect(await d.call('__proto__', {})).toMatchObject({ ok: false, error: { code: 'request.not_found' } });
  });
});
