import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { childLifetime } from './child-lifetime';

/** A node child that prints "ready" and then idles; with `ignoreTerm` it shrugs off SIGTERM. */
async function idleChild(ignoreTerm: boolean) {
  const code = `${ignoreTerm ? "process.on('SIGTERM', () => {});" : ''} console.log('ready'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  return child;
}

describe('child lifetime', () => {
  it('stops a child with SIGTERM and resolves once it has exited', async () => {
    const child = await idleChild(false);
    const life = childLifetime(child, 10_000);
    expect(life.exited).toBe(false);
    const exit = once(child, 'exit');
    await life.stop();
    expect(life.exited).toBe(true);
    expect((await exit)[1]).toBe('SIGTERM');
  });

  it('kills a child that ignores SIGTERM once the grace period is over', async () => {
    const child = await idleChild(true);
    const life = childLifetime(child, 300);
    const exit = once(child, 'exit');
    const started = Date.now();
    await life.stop();
    expect((await exit)[1]).toBe('SIGKILL');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('knows a child that exited on its own, and stopping it then does nothing', async () => {
    const child = spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' });
    const life = childLifetime(child, 10_000);
    await once(child, 'exit');
    expect(life.exited).toBe(true);
    await life.stop();
  });

  it('drops its process exit hook when stopped', async () => {
    const before = process.listenerCount('exit');
    const child = await idleChild(false);
    const life = childLifetime(child, 10_000);
    expect(process.listenerCount('exit')).toBe(before + 1);
    await life.stop();
    expect(process.listenerCount('exit')).toBe(before);
  });
});
