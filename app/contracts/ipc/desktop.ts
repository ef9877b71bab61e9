import type { ContractClient, ContractMap, EventContract } from '../ipc-contract';
import { DraftEvents, DraftsContract } from './drafts';
import { RecordingEvents, RecordingsContract } from './recordings';
import { SecretsContract, SecretsEvents } from './secrets';
import { SettingsContract, SettingsEvents } from './settings';
import { UpdateContract, UpdateEvents } from './update';
import { UploadEvents, UploadsContract } from './uploads';

/** The whole main-process contract: one intersection of the feature maps. */
export const DesktopContract = {
  ...RecordingsContract,
  ...UploadsContract,
  ...DraftsContract,
  ...SettingsContract,
  ...SecretsContract,
  ...UpdateContract,
} satisfies ContractMap;
export type DesktopContract = typeof DesktopContract;

export const DesktopEvents = {
  ...RecordingEvents,
  ...UploadEvents,
  ...DraftEvents,
  ...SettingsEvents,
  ...UpdateEvents,
  ...SecretsEvents,
} satisfies EventContract;
export type DesktopEvents = typeof DesktopEvents;

/** What the renderer gets from `window.desktop` (preload) or from the WebSocket bridge client. */
export type DesktopApi = ContractClient<DesktopContract, DesktopEvents>;
