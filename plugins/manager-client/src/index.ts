import { ContainerModule } from 'inversify';
import { PeerClientFactory, type PluginContext } from '@pinhole/core';
import { peerCommand } from './command';
import { createPeerClient } from './factory';
import { ClientOptions } from './options';

export { ManagerPeerClient, type PeerClientEvents, type PeerClientParams } from './client/peer-client';
export type { CallEnded } from './client/call-table';
export { createPeerClient, type CreatePeerOptions } from './factory';
export { DEFAULT_CLIENT_OPTIONS, type ClientOptions } from './options';
export { parseManagerAddress, type ManagerAddress } from './client/manager-address';
export { Backoff } from './client/backoff';
export { PROTOCOL_VERSION } from './protocol';

/** Binds PeerClientFactory: each create() gets its own media socket from media-udp. */
export const containerModule = new ContainerModule((bind) => {
  bind<PeerClientFactory>(PeerClientFactory)
    .toDynamicValue((ctx) => ({ create: (o) => createPeerClient(ctx.container, o) }))
    .inSingletonScope();
});

export function activate(context: PluginContext): void {
  context.container.bind<ClientOptions>(ClientOptions).toConstantValue(context.options as unknown as ClientOptions);
  context.subscriptions.push({ dispose: () => context.container.unbind(ClientOptions) });
  context.commands.register('peer', peerCommand(context));
}
