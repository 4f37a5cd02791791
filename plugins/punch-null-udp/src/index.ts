import { ContainerModule } from 'inversify';
import { contribute, HookContribution, type PluginContext } from '@pinhole/core';
import { NullUdpOptions } from './options';
import { NullUdpStrategy } from './strategy';

export { openAsCallee } from './callee';
export { openAsCaller } from './caller';
export { STRATEGY, type NullUdpOptions } from './options';

/** The null-packet strategy (spec ¶42–¶51): one HookContribution tapping openWindow for "null-udp". */
export function containerModule(ctx: PluginContext<NullUdpOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind(NullUdpOptions).toConstantValue(ctx.options);
    contribute(bind, ctx, HookContribution, NullUdpStrategy);
  });
}
