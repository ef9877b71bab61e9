import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./vitest.global-setup.ts'],
    include: ['app/**/*.test.ts', 'backend/**/*.test.ts', 'main/**/*.test.ts', 'speech/**/*.test.ts', 'files/**/*.test.ts', 'renderer/**/*.test.ts', 'scripts/**/*.test.ts'],
    // Real services (PostgreSQL, Temporal, whisper.cpp) share 2 cores: keep files serial-ish.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
