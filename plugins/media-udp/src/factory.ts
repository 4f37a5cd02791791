import { inject, injectable } from 'inversify';
import { Hooks, Logger, type MediaTransportFactory, type MediaTransportOptions } from '@pinhole/core';
import { UdpMediaTransport } from './udp-transport';

/** Gives each peer its own media socket (a process may host several peers, e.g. in tests). */
@injectable()
export class UdpMediaTransportFactory implements MediaTransportFactory {
  private readonly log: Logger;

  constructor(
    @inject(Hooks) private readonly hooks: Hooks,
    @inject(Logger) log: Logger,
  ) {
    this.log = log.child('media-udp');
  }

  create(opts: MediaTransportOptions = {}): Promise<UdpMediaTransport> {
    return UdpMediaTransport.bind(opts, this.hooks, this.log);
  }
}
