import { z } from 'zod';
import type { ContractMap, EventContract } from '../ipc-contract';
import { backendUrlProblem } from '../backend-url';
import { NoInput } from './common';

/** Desktop settings (JSON file in the user data folder). Every key has a default. */
export const Settings = z.object({
  /**
   * The org's backend, as IT configured it; the embedded API listens on 8787 by default. https
   * (and so wss for its WebSockets) unless it is on this machine: recordings, tokens and
   * transcripts never cross a network in clear.
   */
  backendUrl: z
    .string()
    .superRefine((u, ctx) => {
      const problem = backendUrlProblem(u);
      if (problem) ctx.addIssue({ code: 'custom', message: `backendUrl ${problem}` });
    })
    .default('http://127.0.0.1:8787'),
  /** Queue the recording for upload as soon as it is finished. */
  autoUpload: z.boolean().default(true),
});
export type Settings = z.infer<typeof Settings>;

/** Which settings IT manages (Group Policy, configuration profile, policy file): shown read-only. */
export const ManagedSettings = z.object({
  fields: z.array(z.string()),
  source: z.string().nullable(),
  problems: z.array(z.object({ key: z.string(), code: z.string(), message: z.string() })),
});
export type ManagedSettings = z.infer<typeof ManagedSettings>;

export const SettingsContract = {
  'settings:managed': { input: NoInput, output: ManagedSettings },
  'settings:get': { input: NoInput, output: Settings },
  /** Changes the given keys only; a managed key is refused with settings.managed. */
  'settings:update': { input: Settings.partial().strict(), output: Settings },
} satisfies ContractMap;

export const SettingsEvents = {
  'settings:changed': Settings,
} satisfies EventContract;
