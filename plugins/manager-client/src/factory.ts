import type { interfaces } from 'inversify';
import { Hooks, IdentityStore, Logger, MediaTransportFactory, PluginError, SessionSecurity, type PeerClientOptions } from '@pinhole/core';
import { ManagerPeerClient } from './client/peer-client';
import { ClientOptions, DEFAULT_CLIENT_OPTIONS } from './options';

export type CreatePeerOptions = PeerClientOptions;

/**
 * A client with its own media socket from media-udp (the one port registered with the manager
 * and punched through the firewall) and its identity key from identity-ed25519; closing the
 * client closes the socket.
 */
export async function createPeerClient(container: interfaces.Container, o: CreatePeerOptions): Promise<ManagerPeerClient> {
  const options = container.isBound(ClientOptions) ? container.get<ClientOptions>(ClientOptions) : DEFAULT_CLIENT_OPTIONS;
  if (!container.isBound(IdentityStore))
    throw new PluginError('E_IDENTITY_MISSING', 'a peer needs an identity key: enable the identity-ed25519 plugin (pinhole plugins lists it)');
  const store = container.get<IdentityStore>(IdentityStore);
  const { identity, created } = await store.load(o.identity);
  const knownPeers = await store.knownPeers(o.knownPeers, identity.file);
  const log = (o.log ?? container.get<Logger>(Logger)).child('manager-client');
  if (created) log.event('identity.created', { file: identity.file, fingerprint: identity.fingerprint });
  const media = await container.get<MediaTransportFactory>(MediaTransportFactory).create({ port: o.udpPort ?? 0, host: o.udpHost });
  try {
    return new ManagerPeerClient(
      { peerId: o.peerId, manager: o.manager, payloadTypes: o.payloadTypes, policy: o.policy, ca: o.ca, managerFingerprint: o.managerFingerprint, insecure: o.insecure },
      {
        hooks: container.get<Hooks>(Hooks),
        log,
        media,
        options,
        identity,
        knownPeers,
        security: container.isBound(SessionSecurity) ? container.get<SessionSecurity>(SessionSecurity) : undefined,
        ownsMedia: true,
      },
    );
  } catch (err) {
    await media.close();
    throw err;
  }
}
