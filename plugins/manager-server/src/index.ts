import { ManagerServerFactory, type PluginContext } from '@pinhole/core';
import { managerCommand } from './command';
import { managerFactory } from './factory';

export { startManager, type RunningManager } from './manager';
export { DEFAULT_LIMITS, type ManagerLimits, type StartManagerOptions } from './options';
export { PROTOCOL_VERSION } from './protocol';
export type { ManagerPluginOptions } from './factory';

/** Binds ManagerServerFactory (backed by the configured directory backend) and the `manager` command. */
export function activate(context: PluginContext): void {
  const factory = managerFactory(context);
  context.container.bind<ManagerServerFactory>(ManagerServerFactory).toConstantValue(factory);
  context.subscriptions.push({ dispose: () => context.container.unbind(ManagerServerFactory) });
  context.commands.register('manager', managerCommand(factory));
}
