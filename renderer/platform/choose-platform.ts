import { createDesktopPlatform, desktopApi } from './desktop-platform';
import type { Platform } from './platform';
import { createWebPlatform } from './web-platform';

/** One code base: the desktop app's preload defines `window.desktop`; a plain browser does not. */
export async function choosePlatform(): Promise<Platform> {
  const api = desktopApi();
  return api ? createDesktopPlatform(api) : createWebPlatform();
}
