import path from 'node:path';
import type { EventPayloadOf, HandlerMap } from '../../app/contracts/ipc-contract';
import type { DesktopContract, DesktopEvents } from '../../app/contracts/ipc/desktop';
import { createEventBus, type EventBus } from '../services/event-bus';
import { createDraftStore } from '../services/draft-store';
import { createDraftTranscriber } from '../services/draft-transcriber';
import type { MediaTools } from '../services/media-repair';
import { createRecordingStore } from '../services/recording-store';
import { createEncryptedFileSecretStore, type SecretCipher } from '../services/secret-store';
import { createSettingsStore } from '../services/settings-store';
import { createSessionTokens } from '../services/session-tokens';
import { signInWithSystemBrowser } from '../services/loopback-sign-in';
import { createWrappedKeyStore, type EncryptionKeyStore } from '../services/storage-key';
import { createUploadQueue } from '../services/upload-queue';
import { createDraftsHandlers } from './drafts/drafts-handlers';
import { createRecordingsHandlers } from './recordings/recordings-handlers';
import { createSecretsHandlers } from './secrets/secrets-handlers';
import { createSettingsHandlers } from './settings/settings-handlers';
import { createUploadsHandlers } from './uploads/uploads-handlers';
import { createUpdateController, type UpdateControllerOptions, type UpdaterPort } from './update/update-controller';
import { createUpdateHandlers } from './update/update-handlers';
import type { PolicyReading } from './policy/managed-policy';

export interface DesktopFeaturesOptions {
  /** The app's own folder (Electron: app.getPath('userData')). */
  dataDir: string;
  /** Electron safeStorage in the app; AES-GCM with a platform-supplied key in plain Node. */
  secretCipher: SecretCipher;
  /**
   * The data key of recordings and drafts at rest. Default: a random key wrapped by `secretCipher`
   * (safeStorage in the app) in `<dataDir>/data-key.json`.
   */
  keyStore?: EncryptionKeyStore;
  mediaTools?: MediaTools;
  uploadRetryDelaysMs?: number[];
  uploadChunkSize?: number;
  onListenerError?: (e: unknown) => void;
  /** The Whisper model for live drafts (decision 005); without it `drafts:start/feed` answer stt.model_missing. */
  draftTranscriber?: { modelPath: string; threads?: number; partialEverySec?: number };
  /**
   * electron-updater's autoUpdater pointed at the org's feed (update/update-electron.ts). Without it
   * (Node, tests, or updates turned off by managed policy) `update:status` answers `disabled`.
   */
  updater?: { port: UpdaterPort; channel: string; onError?: UpdateControllerOptions['onError'] } | { port?: undefined; channel: string };
  /** Opens the system browser for sign-in (Electron: shell.openExternal after a check); without it `secrets:signin` answers auth.oidc_not_configured. */
  openBrowser?: (url: string) => Promise<void>;
  /** Managed configuration (policy/policy-sources.ts): beats the user's settings. */
  policy?: PolicyReading;
}

export interface DesktopFeatures {
  handlers: HandlerMap<DesktopContract>;
  events: EventBus<DesktopEvents>;
  /** Starts background work (the upload queue resumes what a previous run left). */
  start(): void;
  stop(): Promise<void>;
}

/** Builds the services and the one handler map that both adapters (ipcMain, WebSocket bridge) register. */
export function createDesktopFeatures(opts: DesktopFeaturesOptions): DesktopFeatures {
  const events = createEventBus<DesktopEvents>({ onListenerError: opts.onListenerError });
  const settings = createSettingsStore({ file: path.join(opts.dataDir, 'settings.json'), onChange: (s) => events.emit('settings:changed', s) });
  const secrets = createEncryptedFileSecretStore({ file: path.join(opts.dataDir, 'secrets.json'), cipher: opts.secretCipher });
  const keys = opts.keyStore ?? createWrappedKeyStore({ file: path.join(opts.dataDir, 'data-key.json'), cipher: opts.secretCipher });
  const recordings = createRecordingStore({ dataDir: opts.dataDir, keys, tools: opts.mediaTools, onChange: (s) => events.emit('recordings:changed', s) });
  const drafts = createDraftStore({
    dataDir: opts.dataDir,
    keys,
    onChange: ({ draft, added, replaced }) => events.emit('drafts:updated', { sessionId: draft.sessionId, added, replaced, complete: draft.complete, lagSec: transcriber?.has(draft.sessionId) ? transcriber.progress(draft.sessionId).lagSec : undefined }),
  });
  // Managed policy can forbid on-device speech recognition (LocalDraft = 0): drafts then answer stt.model_missing.
  const transcriber = opts.draftTranscriber && opts.policy?.policy.localDraft !== false ? createDraftTranscriber({ ...opts.draftTranscriber, store: drafts }) : undefined;
  transcriber?.onCaption((caption) => events.emit('drafts:caption', caption));
  const backendUrl = async () => (opts.policy?.policy.backendUrl ?? (await settings.get()).backendUrl).replace(/\/+$/, '');
  const session = createSessionTokens({ secrets, apiBase: backendUrl, onSignedOut: (e) => events.emit('secrets:revoked', e) });
  const queue = createUploadQueue({
    dataDir: opts.dataDir,
    endpoint: async () => `${await backendUrl()}/v1/uploads`,
    token: async () => {
      const r = await session.accessToken();
      return r.ok ? r.value : null;
    },
    retryDelaysMs: opts.uploadRetryDelaysMs,
    chunkSize: opts.uploadChunkSize,
    source: (item) => recordings.open(item.sessionId),
    onChange: (item) => events.emit('uploads:progress', item),
  });

  const uploads = createUploadsHandlers({ queue, recordings });
  const update = createUpdateController({ updater: opts.updater?.port ?? inertUpdater, channel: opts.updater?.channel ?? 'stable', enabled: !!opts.updater?.port, onError: opts.updater?.port ? opts.updater.onError : undefined, onChange: (s) => events.emit('update:changed', s) });
  // A running recording holds any restart back (update/update-state.ts).
  const recording = new Set<string>();
  const stopBusyWatch = events.subscribe((event, payload) => {
    if (event !== 'recordings:changed') return;
    const s = payload as EventPayloadOf<DesktopEvents, 'recordings:changed'>;
    if (s.state === 'recording') recording.add(s.sessionId);
    else recording.delete(s.sessionId);
    update.setRecordingActive(recording.size > 0);
  });
  // A finished or recovered recording goes to the queue at once unless the user turned that off.
  const stopAutoUpload = events.subscribe((event, payload) => {
    if (event !== 'recordings:changed') return;
    const s = payload as EventPayloadOf<DesktopEvents, 'recordings:changed'>;
    if (s.state !== 'finished') return;
    void settings.get().then((cfg) => (cfg.autoUpload ? uploads['uploads:enqueue']({ sessionId: s.sessionId }) : undefined)).catch((e) => opts.onListenerError?.(e));
  });

  return {
    handlers: {
      ...createRecordingsHandlers({ store: recordings }),
      ...uploads,
      ...createDraftsHandlers({ drafts, transcriber }),
      ...createSettingsHandlers({ settings, policy: opts.policy }),
      ...createSecretsHandlers({ secrets, session, signIn: opts.openBrowser ? async (orgId, signal) => signInWithSystemBrowser({ apiBase: await backendUrl(), orgId, signal, openBrowser: opts.openBrowser! }) : undefined }),
      ...createUpdateHandlers({ controller: update }),
    },
    events,
    start: () => {
      queue.start();
      update.start();
    },
    async stop() {
      update.quitting();
      update.stop();
      stopBusyWatch();
      stopAutoUpload();
      await transcriber?.close();
      await queue.stop();
      await recordings.close();
    },
  };
}

/** Stands in when the app runs without electron-updater: never checks, never installs. */
const inertUpdater: UpdaterPort = { on: () => undefined, checkForUpdates: async () => null, quitAndInstall: () => undefined };
