import type { interfaces } from 'inversify';
import { Hooks, Logger, MediaTransportFactory } from '@pinhole/core';
import { ManagerPeerClient, type PeerClientParams } from './client/peer-client';
import { ClientOptions, DEFAULT_CLIENT_OPTIONS } from './options';

export interface CreatePeerOptions extends Omit<PeerClientParams, 'manager'> {
  /** One manager or several (comma-separated or a list); default: the `managers` option. */
  manager?: string | string[];
  udpPort?: number;
  udpHost?: string;
  log?: Logger;
}

/**
 * A client with its own media socket from media-udp (the one port registered with the manager
 * and punched through the firewall); closing the client closes the socket.
 */
export async function createPeerClient(container: interfaces.Container, o: CreatePeerOptions): Promise<ManagerPeerClient> {
  const options = container.isBound(ClientOptions) ? container.get<ClientOptions>(ClientOptions) : DEFAULT_CLIENT_OPTIONS;
  const media = await container.get<MediaTransportFactory>(MediaTransportFactory).create({ port: o.udpPort ?? 0, host: o.udpHost });
  try {
    return new ManagerPeerClient(
      { peerId: o.peerId, manager: o.manager?.length ? o.manager : options.managers, secret: o.secret, payloadTypes: o.payloadTypes },
      { hooks: container.get<Hooks>(Hooks), log: (o.log ?? container.get<Logger>(Logger)).child('manager-client'), media, options, ownsMedia: true },
    );
  } catch (err) {
    await media.close();
    throw err;
  }
}
