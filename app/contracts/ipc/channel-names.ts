/**
 * Channel and event names without zod, for the sandboxed preload (it must stay tiny).
 * A test keeps these lists equal to the keys of DesktopContract / DesktopEvents.
 */
export const DESKTOP_CHANNELS = [
  'recordings:start',
  'recordings:append',
  'recordings:finish',
  'recordings:list',
  'recordings:recover',
  'uploads:enqueue',
  'uploads:list',
  'uploads:retry',
  'uploads:cancel',
  'drafts:get',
  'drafts:append',
  'drafts:replace',
  'drafts:start',
  'drafts:feed',
  'drafts:finish',
  'settings:get',
  'settings:update',
  'settings:managed',
  'secrets:get',
  'secrets:set',
  'secrets:delete',
  'secrets:signin',
  'secrets:cancel',
  'secrets:status',
  'update:status',
  'update:check',
  'update:install',
  'update:call',
] as const;

export const DESKTOP_EVENTS = ['recordings:changed', 'uploads:progress', 'drafts:updated', 'drafts:caption', 'settings:changed', 'update:changed', 'secrets:revoked'] as const;

/** The one Electron IPC channel main uses to push events: `(eventName, payload)`. */
export const DESKTOP_EVENT_CHANNEL = 'desktop:event';

/** The preload exposes the DesktopApi as `window.desktop`. */
export const DESKTOP_GLOBAL = 'desktop';
