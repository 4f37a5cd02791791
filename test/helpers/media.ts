import { Host, MediaTransportFactory, type MediaTransport, type PinholeConfig } from '@pinhole/core';

/** A real host with the repository's plugins, quiet logs, and media-udp active. */
export async function mediaHost(config: PinholeConfig = {}): Promise<Host> {
  const host = new Host({ config: { log: { level: 'silent' }, ...config } });
  await host.plugins.activate('media-udp');
  return host;
}

export async function transport(host: Host, port = 0, address = '127.0.0.1'): Promise<MediaTransport> {
  return host.container.get<{ create(o: object): Promise<MediaTransport> }>(MediaTransportFactory).create({ host: address, port });
}
