import { ContainerModule } from 'inversify';
import { contribute, HookContribution, type PluginContext } from '@pinhole/core';
import { TurnAllocator } from './allocator';
import { RelayTurnOptions } from './options';
import { RelayStrategy } from './strategy';

export { TurnAllocator, type TurnServerSpec } from './allocator';
export { TurnClient, type TurnClientStats } from './turn-client';
export { RelayDatagramSocket } from './relay-socket';
export { TurnError } from './errors';

export { TurnStreamFramer } from './transport/stream-framer';
export { RelayTurnOptions, STRATEGY } from './options';
export { RelayStrategy } from './strategy';
export { attempts } from './ladder';

/** The TURN allocator and the "relay-turn" openWindow strategy built on it. */
export function containerModule(ctx: PluginContext<RelayTurnOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind(RelayTurnOptions).toConstantValue(ctx.options);
    bind(TurnAllocator).toSelf().inSingletonScope();
    contribute(bind, ctx, HookContribution, RelayStrategy);
  });
}
