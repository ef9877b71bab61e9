import type { HandlerMap } from '../../../app/contracts/ipc-contract';
import type { SettingsContract } from '../../../app/contracts/ipc/settings';
import type { SettingsStore } from '../../services/settings-store';

export function createSettingsHandlers(deps: { settings: SettingsStore }): HandlerMap<typeof SettingsContract> {
  return {
    'settings:get': () => deps.settings.get(),
    'settings:update': (patch) => deps.settings.update(patch),
  };
}
