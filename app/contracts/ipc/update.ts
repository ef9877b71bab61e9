import { z } from 'zod';
import type { ContractMap, EventContract } from '../ipc-contract';
import { NoInput } from './common';

/** What the settings screen shows of the updater (main/features/update/update-state.ts). */
export const UpdateStatus = z.object({
  phase: z.enum(['idle', 'checking', 'downloading', 'downloaded', 'installing', 'error', 'disabled']),
  version: z.string().optional(),
  percent: z.number().min(0).max(100).optional(),
  /** Downloaded and waiting: the user asked to install, and it will as soon as the call or recording ends. */
  installWhenIdle: z.boolean().optional(),
  /** A call or a recording is running: the app will not restart now. */
  busy: z.boolean(),
  lastCheckedAt: z.string().nullable().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  channel: z.string(),
});
export type UpdateStatus = z.infer<typeof UpdateStatus>;

export const UpdateContract = {
  'update:status': { input: NoInput, output: UpdateStatus },
  /** Check now (the app also checks at start and every few hours). */
  'update:check': { input: NoInput, output: UpdateStatus },
  /** "Restart and update": now if nothing runs, else as soon as the call or recording ends. */
  'update:install': { input: NoInput, output: UpdateStatus },
  /** The renderer reports a call starting or ending (recordings are known to main already). */
  'update:call': { input: z.object({ active: z.boolean() }).strict(), output: UpdateStatus },
} satisfies ContractMap;

export const UpdateEvents = {
  'update:changed': UpdateStatus,
} satisfies EventContract;
