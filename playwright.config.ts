import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests on Debian's Chromium (never a downloaded browser). Each test launches its own
 * browser processes (e2e/chromium.ts), one per participant, each with its own fake microphone.
 * Serial: the tests share 2 cores with real PostgreSQL, Temporal, whisper.cpp and WebRTC.
 */
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 300_000,
  expect: { timeout: 30_000 },
  outputDir: 'test-results/e2e',
  reporter: [['list']],
});
