import path from 'node:path';
import { AppError } from '../app/contracts/errors';

export interface DesktopConfig {
  dataDir: string;
  /** Where the renderer is loaded from. */
  appUrl: string;
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
 * FE_RENDERER_DEV_URL: load the renderer from a dev server instead of the packaged files.
 * FE_EXTERNAL_HOSTS: comma-separated hosts links may open in the system browser.
 * FE_STT_MODEL_PATH: whisper.cpp model for the draft transcript (default: <data>/models/ggml-tiny.en.bin,
 *   as in the backend; `npm run setup` makes it under the repository's .data for development runs).
 */
export function parseDesktopConfig(env: Record<string, string | undefined>, where: { userDataDir: string; appDir: string }): DesktopConfig {
  const dev = env.FE_RENDERER_DEV_URL?.trim() || undefined;
  if (dev && !/^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/?$/.test(dev)) {
    throw new AppError('config.invalid', `FE_RENDERER_DEV_URL must be a local http origin like http://localhost:5173, got ${dev}`);
  }
  const appUrl = dev ? `${dev.replace(/\/$/, '')}/` : new URL(`file://${path.join(where.appDir, 'dist', 'renderer', 'index.html')}`).href;
  const dataDir = env.FE_DESKTOP_DATA_DIR?.trim() || where.userDataDir;
  return {
    dataDir,
    appUrl,
    devServerUrl: dev,
    preloadPath: path.join(where.appDir, 'dist', 'main', 'preload.cjs'),
    externalHosts: (env.FE_EXTERNAL_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    sttModelPath: env.FE_STT_MODEL_PATH?.trim() || draftModelPath(dataDir),
  };
}
