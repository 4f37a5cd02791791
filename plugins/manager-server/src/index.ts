import { ContainerModule } from 'inversify';
import { CommandContribution, contribute, ManagerServerFactory, type PluginContext } from '@pinhole/core';
import { ManagerCommand } from './command';
import { PluginManagerFactory } from './factory';
import { ManagerOptions } from './options';

export { startManager, type RunningManager } from './manager';
export type { ManagerLimits, ManagerOptions, StartManagerOptions } from './options';
export { PROTOCOL_VERSION } from './protocol';

/** ManagerServerFactory (backed by the configured directory backend) and the `manager` command. */
export function containerModule(ctx: PluginContext<ManagerOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind(ManagerOptions).toConstantValue(ctx.options);
    bind(ManagerServerFactory).to(PluginManagerFactory).inSingletonScope();
    contribute(bind, ctx, CommandContribution, ManagerCommand);
  });
}
