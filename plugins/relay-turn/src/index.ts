import { ContainerModule } from 'inversify';
import { type PluginContext } from '@pinhole/core';
import { TurnAllocator } from './allocator';
import { RelayTurnOptions } from './options';

export { TurnAllocator, type TurnServerSpec } from './allocator';
export { TurnClient, type TurnClientStats } from './turn-client';
export { RelayDatagramSocket } from './relay-socket';
export { TurnError } from './errors';
export { parseTurnUri, type TurnServerAddress } from './uri';
export { TurnStreamFramer } from './transport/stream-framer';
export { RelayTurnOptions } from './options';

/** Binds the TURN allocator with this host's options. */
export function containerModule(ctx: PluginContext<RelayTurnOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind(RelayTurnOptions).toConstantValue(ctx.options);
    bind(TurnAllocator).toSelf().inSingletonScope();
  });
}
