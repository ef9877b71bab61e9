import { AppError } from '../../../app/contracts/errors';
import type { HandlerMap } from '../../../app/contracts/ipc-contract';
import type { Settings, SettingsContract } from '../../../app/contracts/ipc/settings';
import type { SettingsStore } from '../../services/settings-store';
import { managedFields, type PolicyReading } from '../policy/managed-policy';

/** Policy beats the user's settings: a managed value is what `settings:get` answers and cannot be changed. */
export function createSettingsHandlers(deps: { settings: SettingsStore; policy?: PolicyReading }): HandlerMap<typeof SettingsContract> {
  const policy = deps.policy?.policy ?? {};
  const managed = managedFields(policy);
  const effective = (s: Settings): Settings => (policy.backendUrl ? { ...s, backendUrl: policy.backendUrl } : s);
  return {
    'settings:get': async () => effective(await deps.settings.get()),
    'settings:update': async (patch) => {
      const locked = Object.keys(patch).filter((k) => (managed as string[]).includes(k));
      if (locked.length) throw new AppError('settings.managed', `${locked.join(', ')} ${locked.length > 1 ? 'are' : 'is'} set by your organisation's policy (${deps.policy?.source ?? 'managed'}) and cannot be changed here.`);
      return effective(await deps.settings.update(patch));
    },
    'settings:managed': async () => ({ fields: managed, source: deps.policy?.source ?? null, problems: deps.policy?.problems ?? [] }),
  };
}
