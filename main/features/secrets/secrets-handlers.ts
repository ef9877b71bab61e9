import type { HandlerMap } from '../../../app/contracts/ipc-contract';
import type { SecretsContract } from '../../../app/contracts/ipc/secrets';
import type { SecretStore } from '../../services/secret-store';

export function createSecretsHandlers(deps: { secrets: SecretStore }): HandlerMap<typeof SecretsContract> {
  return {
    'secrets:get': async ({ name }) => ({ value: await deps.secrets.get(name) }),
    'secrets:set': async ({ name, value }) => {
      await deps.secrets.set(name, value);
      return { stored: true as const };
    },
    'secrets:delete': async ({ name }) => ({ deleted: await deps.secrets.delete(name) }),
    'secrets:status': async () => deps.secrets.status(),
  };
}
