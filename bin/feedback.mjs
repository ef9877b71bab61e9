#!/usr/bin/env node
// The `feedback` command: runs the TypeScript CLI through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../backend/src/cli/feedback.ts');
