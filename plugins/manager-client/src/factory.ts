import { inject, injectable } from 'inversify';
import { Hooks, Logger, MediaTransportFactory, type PeerClientFactory } from '@pinhole/core';
import { ManagerPeerClient, type PeerClientParams } from './client/peer-client';
import { ClientOptions } from './options';
import { PunchStrategies } from './strategies';

export interface CreatePeerOptions extends Omit<PeerClientParams, 'manager'> {
  /** One manager or several (comma-separated or a list); default: the `managers` option. */
  manager?: string | string[];
  udpPort?: number;
  udpHost?: string;
  log?: Logger;
}

/**
 * PeerClientFactory: each client gets its own media socket from media-udp (the one port
 * registered with the manager and punched through the firewall); closing the client closes it.
 */
@injectable()
export class ManagerPeerClientFactory implements PeerClientFactory {
  constructor(
    @inject(ClientOptions) private readonly options: ClientOptions,
    @inject(MediaTransportFactory) private readonly media: MediaTransportFactory,
    @inject(Hooks) private readonly hooks: Hooks,
    @inject(Logger) private readonly log: Logger,
    @inject(PunchStrategies) private readonly strategies: PunchStrategies,
  ) {}

  async create(o: CreatePeerOptions): Promise<ManagerPeerClient> {
    // Strategies are activated now, so the first call does not pay for loading their plugins.
    await this.strategies.names();
    const media = await this.media.create({ port: o.udpPort ?? 0, host: o.udpHost });
    try {
      return new ManagerPeerClient(
        { peerId: o.peerId, manager: o.manager?.length ? o.manager : this.options.managers, secret: o.secret, payloadTypes: o.payloadTypes },
        {
          hooks: this.hooks,
          log: (o.log ?? this.log).child('manager-client'),
          media,
          options: this.options,
          ownsMedia: true,
          strategies: () => this.strategies.names(),
        },
      );
    } catch (err) {
      await media.close();
      throw err;
    }
  }
}
