import { describe, expect, it } from 'vitest';
import { backendUrlProblem, isLoopbackHostname } from './backend-url';

describe('loopback and backend URLs', () => {
  it('knows loopback hostnames as URL parsing leaves them', () => {
    for (const u of ['http://localhost:1', 'http://a.localhost', 'http://127.0.0.1', 'http://127.255.0.9:8', 'http://[::1]:8787', 'http://[::ffff:127.0.0.1]/']) expect(isLoopbackHostname(new URL(u).hostname), u).toBe(true);
    for (const u of ['http://10.0.0.1', 'http://127.0.0.1.evil.example', 'http://localhost.evil.example', 'http://[::ffff:10.0.0.1]/', 'http://[::2]/', 'http://0.0.0.0/']) expect(isLoopbackHostname(new URL(u).hostname), u).toBe(false);
  });

  it('requires https for a backend on another machine and allows http only on this one', () => {
    expect(backendUrlProblem('https://feedback.example.org')).toBeNull();
    expect(backendUrlProblem('http://127.0.0.1:8787')).toBeNull();
    expect(backendUrlProblem('http://localhost:8787/base')).toBeNull();
    expect(backendUrlProblem('http://feedback.example.org')).toMatch(/https/);
    expect(backendUrlProblem('http://10.1.2.3:8787')).toMatch(/https/);
    expect(backendUrlProblem('ws://feedback.example.org')).toMatch(/https/);
    expect(backendUrlProblem('https://user:pw@feedback.example.org')).toMatch(/password/);
    expect(backendUrlProblem('nonsense')).toMatch(/not a URL/);
  });
});
