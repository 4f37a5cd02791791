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

/**
 * Binds the TURN allocator with this host's options. The openWindow relay strategy (fallback
 * when punching fails, and the relay-to-direct upgrade) is wired to the call flow next.
 */
export function activate(context: PluginContext): void {
  context.container.bind(RelayTurnOptions).toConstantValue(context.options as unknown as RelayTurnOptions);
  context.container.bind(TurnAllocator).toSelf().inSingletonScope();
  context.subscriptions.push({
    dispose: () => {
      context.container.unbind(TurnAllocator);
      context.container.unbind(RelayTurnOptions);
    },
  });
}
