import { ContainerModule } from 'inversify';
import { Hooks, Logger, MediaTransportFactory, type MediaTransportFactory as Factory } from '@pinhole/core';
import { UdpMediaTransport } from './udp-transport';

export { UdpMediaTransport } from './udp-transport';
export { UdpDatagramSession, DEFAULT_KEEPALIVE_MS } from './session';

/** Binds the factory that gives each peer its own media socket. */
export const containerModule = new ContainerModule((bind) => {
  bind<Factory>(MediaTransportFactory)
    .toDynamicValue((ctx) => {
      const hooks = ctx.container.get<Hooks>(Hooks);
      const log = ctx.container.get<Logger>(Logger).child('media-udp');
      return { create: (opts = {}) => UdpMediaTransport.bind(opts, hooks, log) };
    })
    .inSingletonScope();
});
