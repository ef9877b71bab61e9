import path from 'node:path';
import { AppError } from '../app/contracts/errors';
import { RENDERER_INDEX_URL } from './navigation-policy';

export interface DesktopConfig {
  dataDir: string;
  /** What the window loads: always the renderer on app:// (main/renderer-protocol.ts). */
  appUrl: string;
  /** The packaged renderer's files, served at app://renderer/. */
  rendererDir: string;
  /** In development, where app://renderer/ fetches the renderer from instead of rendererDir. */
  devServerUrl: string | undefined;
  preloadPath: string;
  externalHosts: string[];
  /** whisper.cpp model of the on-device draft transcript (the backend's default model). */
  sttModelPath: string;
}

/** The same file name as the backend's default (backend/src/runtime/runtime.ts defaultSttModelPath). */
export const draftModelPath = (dataDir: string) => path.join(dataDir, 'models', 'ggml-tiny.en.bin');

/**
 * The desktop app's start-up configuration, parsed once by main/index.ts.
 * FE_DESKTOP_DATA_DIR: data folder (default: Electron's userData).
 * FE_RENDERER_DEV_URL: serve the renderer (still at app://renderer/) from a local dev server instead of the packaged files.
 * FE_EXTERNAL_HOSTS: comma-separated hosts links may open in the system browser.
 * FE_STT_MODEL_PATH: whisper.cpp model for the draft transcript (default: <data>/models/ggml-tiny.en.bin,
 *   as in the backend; `npm run setup` makes it under the repository's .data for development runs).
 */
export function parseDesktopConfig(env: Record<string, string | undefined>, where: { userDataDir: string; appDir: string }): DesktopConfig {
  const dev = env.FE_RENDERER_DEV_URL?.trim() || undefined;
  if (dev && !/^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/?$/.test(dev)) {
    throw new AppError('config.invalid', `FE_RENDERER_DEV_URL must be a local http origin like http://localhost:5173, got ${dev}`);
  }
  const dataDir = env.FE_DESKTOP_DATA_DIR?.trim() || where.userDataDir;
  return {
    dataDir,
    appUrl: RENDERER_INDEX_URL,
    rendererDir: path.join(where.appDir, 'dist', 'renderer'),
    devServerUrl: dev ? dev.replace(/\/$/, '') : undefined,
    preloadPath: path.join(where.appDir, 'dist', 'main', 'preload.cjs'),
    externalHosts: (env.FE_EXTERNAL_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    sttModelPath: env.FE_STT_MODEL_PATH?.trim() || draftModelPath(dataDir),
  };
}
