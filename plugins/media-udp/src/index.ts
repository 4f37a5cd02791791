import { ContainerModule } from 'inversify';
import { MediaTransportFactory, type PluginContext } from '@pinhole/core';
import { UdpMediaTransportFactory } from './factory';

export { UdpMediaTransport } from './udp-transport';
export { UdpDatagramSession } from './session';
export { classifyNat, type ClassifierSocket } from './nat-classifier';

/** The MediaTransportFactory: each create() binds one media socket. */
export function containerModule(_ctx: PluginContext): ContainerModule {
  return new ContainerModule((bind) => {
    bind(MediaTransportFactory).to(UdpMediaTransportFactory).inSingletonScope();
  });
}
