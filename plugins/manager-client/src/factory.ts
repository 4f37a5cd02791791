import { inject, injectable } from 'inversify';
import { ManagerList } from './client/manager-list';
import { Hooks, IdentityStore, Logger, MediaTransportFactory, SessionSecurity, type PeerClientFactory, type PeerClientOptions } from '@pinhole/core';
import { ManagerPeerClient } from './client/peer-client';
import { ClientOptions } from './options';
import { PunchStrategies } from './strategies';

export type CreatePeerOptions = PeerClientOptions;

/**
 * PeerClientFactory: each client gets its own media socket from media-udp (the one port
 * registered with the manager and punched through the firewall) and its identity key from
 * identity-ed25519; closing the client closes the socket.
 */
@injectable()
export class ManagerPeerClientFactory implements PeerClientFactory {
  constructor(
    @inject(ClientOptions) private readonly options: ClientOptions,
    @inject(MediaTransportFactory) private readonly media: MediaTransportFactory,
    @inject(Hooks) private readonly hooks: Hooks,
    @inject(Logger) private readonly log: Logger,
    @inject(PunchStrategies) private readonly strategies: PunchStrategies,
    @inject(IdentityStore) private readonly identities: IdentityStore,
    @inject(SessionSecurity) private readonly security: SessionSecurity,
  ) {}

  async create(o: CreatePeerOptions): Promise<ManagerPeerClient> {
    // A missing or malformed manager address fails before a key or a socket is made.
    const manager = o.manager?.length ? o.manager : this.options.managers;
    new ManagerList(manager, o.insecure);
    // Strategies are activated now, so the first call does not pay for loading their plugins.
    await this.strategies.names();
    const { identity, created } = await this.identities.load(o.identity);
    const knownPeers = await this.identities.knownPeers(o.knownPeers, identity.file);
    const log = (o.log ?? this.log).child('manager-client');
    if (created) log.event('identity.created', { file: identity.file, fingerprint: identity.fingerprint });
    const media = await this.media.create({ port: o.udpPort ?? 0, host: o.udpHost });
    try {
      return new ManagerPeerClient(
        { peerId: o.peerId, manager, payloadTypes: o.payloadTypes, meta: o.meta, policy: o.policy, ca: o.ca, managerFingerprint: o.managerFingerprint, insecure: o.insecure },
        {
          hooks: this.hooks,
          log,
          media,
          options: this.options,
          identity,
          knownPeers,
          security: this.security,
          ownsMedia: true,
          strategies: () => this.strategies.names(),
          relayed: () => this.strategies.relayed(),
        },
      );
    } catch (err) {
      await media.close();
      throw err;
    }
  }
}
