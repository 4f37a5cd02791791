import { ContainerModule } from 'inversify';
import { CommandContribution, contribute, PeerClientFactory, type PluginContext } from '@pinhole/core';
import { PeerCommand } from './command';
import { ManagerPeerClientFactory } from './factory';
import { ClientOptions } from './options';
import { PunchStrategies } from './strategies';

export { ManagerPeerClient, type PeerClientEvents, type PeerClientParams } from './client/peer-client';
export type { CallEnded } from './client/call-table';
export type { CreatePeerOptions } from './factory';
export type { ClientOptions } from './options';
export { parseManagerAddress, type ManagerAddress } from './client/manager-address';
export { Backoff } from './client/backoff';
export { PROTOCOL_VERSION } from './protocol';

/** PeerClientFactory (each client with its own media socket from media-udp) and the `peer` command. */
export function containerModule(ctx: PluginContext<ClientOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind(ClientOptions).toConstantValue(ctx.options);
    bind(PunchStrategies).toSelf().inSingletonScope();
    bind(ManagerPeerClientFactory).toSelf().inSingletonScope();
    bind(PeerClientFactory).toService(ManagerPeerClientFactory);
    contribute(bind, ctx, CommandContribution, PeerCommand);
  });
}
