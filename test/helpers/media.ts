import { MediaTransportFactory, type MediaTransport } from '@pinhole/core';
import { Host, type PinholeConfig } from '@pinhole/core/host';

/** A real host with the repository's plugins, quiet logs, its startup plugins, media-udp and session security (secure-noise: what protects every session) active. */
export async function mediaHost(config: PinholeConfig = {}): Promise<Host> {
  const host = new Host({ config: { log: { level: 'silent' }, ...config } });
  await host.start();
  await host.plugins.activate('media-udp');
  await host.plugins.activate('secure-noise');
  return host;
}

export async function transport(host: Host, port = 0): Promise<MediaTransport> {
  const factory = await host.services.load<MediaTransportFactory>(MediaTransportFactory);
  return factory.create({ host: '127.0.0.1', port });
}
