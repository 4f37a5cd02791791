import type { PluginContext } from '@pinhole/core';
import { BirthdayOptions } from './options';
import { BirthdayStrategy } from './strategy';

export { BirthdayStrategy } from './strategy';
export { BirthdayOptions } from './options';
export { SocketGroup } from './socket-group';
export { RandomPorts } from './ports';

/** Taps openWindow (at `stage`, before null-udp) with the birthday strategy. */
export function activate(context: PluginContext): void {
  const o = context.options as unknown as BirthdayOptions;
  context.container.bind(BirthdayOptions).toConstantValue(o);
  context.container.bind(BirthdayStrategy).toSelf().inSingletonScope();
  const strategy = context.container.get(BirthdayStrategy);
  context.hooks.openWindow.tap({ stage: o.stage }, (req) => strategy.open(req));
  context.subscriptions.push({
    dispose: () => {
      context.container.unbind(BirthdayStrategy);
      context.container.unbind(BirthdayOptions);
    },
  });
}
