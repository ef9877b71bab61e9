import type { HandlerMap } from '../../../app/contracts/ipc-contract';
import type { UpdateContract } from '../../../app/contracts/ipc/update';
import type { UpdateController } from './update-controller';

export function createUpdateHandlers(deps: { controller: UpdateController }): HandlerMap<typeof UpdateContract> {
  const c = deps.controller;
  return {
    'update:status': async () => c.status(),
    'update:check': () => c.check(),
    'update:install': async () => c.install(),
    'update:call': async ({ active }) => c.setCallActive(active),
  };
}
