import type { DraftCaption } from '../../app/contracts/ipc/drafts';
import type { Channel, Segment } from '../../app/transcript/transcript';

/** A recording kept on this device (chunks as MediaRecorder produced them, or one picked file). */
export interface StoredRecording {
  sessionId: string;
  mimeType: string;
  /** `interrupted`: still open when the page or app went away; recover it to upload it. */
  state: 'recording' | 'interrupted' | 'finished';
  startedAt: string;
  nextSeq: number;
  bytes: number;
}

export interface FinishedRecording {
  sessionId: string;
  mimeType: string;
  bytes: number;
  sha256: string;
  recovered: boolean;
}

/** Crash-safe: every appended chunk is on durable storage when `append` resolves. */
export interface RecordingStore {
  start(sessionId: string, mimeType: string): Promise<void>;
  append(sessionId: string, seq: number, chunk: Uint8Array): Promise<void>;
  finish(sessionId: string): Promise<FinishedRecording>;
  list(): Promise<StoredRecording[]>;
  recover(sessionId: string): Promise<FinishedRecording>;
}

export type UploadState = 'queued' | 'uploading' | 'waiting' | 'completed' | 'failed';

export interface UploadView {
  id: string;
  sessionId: string;
  bytes: number;
  bytesSent: number;
  sha256: string;
  state: UploadState;
  error: { code: string; message: string } | null;
  nextAttemptAt: string | null;
}

/** Resumable uploads of finished recordings, kept across reloads and restarts, queued while offline. */
export interface UploadQueue {
  enqueueRecording(sessionId: string): Promise<void>;
  /** A file the user picked: kept in the recording store first, so it survives a reload too. */
  enqueueFile(sessionId: string, file: Blob): Promise<void>;
  retry(id: string): Promise<void>;
  list(): UploadView[];
  subscribe(listener: (items: UploadView[]) => void): () => void;
}

export type { DraftCaption };

/** The on-device draft transcript: the main process's draft transcriber (desktop app or local bridge). */
export interface LiveDrafts {
  available: true;
  get(sessionId: string): Promise<{ segments: Segment[]; complete: boolean }>;
  /** Loads the model; fails with `stt.model_missing` when it is not installed. */
  start(sessionId: string): Promise<void>;
  /** 16 kHz mono audio of one speaker, in order, without gaps (sample 0 = recording start). */
  feed(sessionId: string, channel: Channel, pcm: Float32Array): Promise<{ lagSec: number }>;
  /** Transcribes what is left and stores the complete draft. */
  finish(sessionId: string): Promise<{ segments: Segment[]; complete: boolean }>;
  onCaption(listener: (caption: DraftCaption) => void): () => void;
  /** The stored draft of a session changed (`complete`: the full draft is there). */
  onUpdate(listener: (sessionId: string, complete: boolean) => void): () => void;
}

export type DraftTranscripts = LiveDrafts | { available: false; reason: string };

/** Why a sign-in ended without the user signing out (stable code, plain message). */
export interface SignedOut {
  code: string;
  message: string;
}

/**
 * Sign-in through the organisation's identity provider. Desktop: the system browser (RFC 8252,
 * `secrets:signin`), resolving once the tokens are kept by the main process. Web: the page goes to
 * the API's OIDC start and comes back signed in by the session cookie (decision 025), so `start`
 * never resolves there.
 */
export interface OrgSignIn {
  /** `waits`: the app waits for the system browser (and can stop waiting); `navigates`: the page leaves. */
  mode: 'waits' | 'navigates';
  start(orgId: string): Promise<void>;
  /** Stops waiting: the sign-in in flight answers auth.signin_cancelled and a late browser reaches nothing. */
  cancel(): Promise<void>;
  /** The stored sign-in was refused at its refresh (revoked, reused, deactivated) and deleted. */
  onRevoked(listener: (why: SignedOut) => void): () => void;
}

/** What differs between the browser and the desktop app; the UI sees only this. */
export interface Platform {
  kind: 'web' | 'desktop';
  apiBase(): Promise<string>;
  /** A bearer token: the desktop's (refreshed by the main process) or a developer token pasted in the browser. */
  token: { get(): Promise<string | null>; set(token: string): Promise<void>; clear(): Promise<void> };
  orgSignIn: OrgSignIn;
  /**
   * The browser's cookie session (decision 025): the CSRF token its state-changing requests carry,
   * and its sign-out. Null on the desktop, which signs in with bearer tokens only.
   */
  webSession: { csrfToken(): Promise<string>; signOut(): Promise<void> } | null;
  recordings: RecordingStore;
  uploads: UploadQueue;
  drafts: DraftTranscripts;
}
