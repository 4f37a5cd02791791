import { ContainerModule } from 'inversify';
import { contribute, HookContribution, type PluginContext } from '@pinhole/core';
import { BirthdayOptions } from './options';
import { BirthdayStrategy } from './strategy';

export { BirthdayStrategy } from './strategy';
export { BirthdayOptions, STRATEGY } from './options';
export { SocketGroup } from './socket-group';
export { RandomPorts } from './ports';

/** Birthday port probing: one HookContribution tapping openWindow for "birthday". */
export function containerModule(ctx: PluginContext<BirthdayOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind(BirthdayOptions).toConstantValue(ctx.options);
    contribute(bind, ctx, HookContribution, BirthdayStrategy);
  });
}
