import { ContainerModule } from 'inversify';
import { CommandContribution, contribute, HookContribution, type PluginContext } from '@pinhole/core';
import { CallCommand } from './call-command';
import { DemoCommand } from './demo-command';
import { NotifyTimes, NotifyTimesTaps } from './notify-times';

/** The reference app: what a user composes from plugins, exposed as the `call` and `demo` commands. */
export function containerModule(ctx: PluginContext): ContainerModule {
  return new ContainerModule((bind) => {
    bind(NotifyTimes).toSelf().inSingletonScope();
    contribute(bind, ctx, HookContribution, NotifyTimesTaps);
    contribute(bind, ctx, CommandContribution, CallCommand);
    contribute(bind, ctx, CommandContribution, DemoCommand);
  });
}
