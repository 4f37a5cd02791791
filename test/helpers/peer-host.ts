import { strict as assert } from 'assert';
import { createLogger, ManagerServerFactory, PeerClientFactory, type EstablishedCall, type ManagerServer, type PeerClient } from '@pinhole/core';
import { Host, type PinholeConfig } from '@pinhole/core/host';
import type { ManagerPeerClient } from '@pinhole/manager-client';

export type Ev = Record<string, unknown> & { event?: string };

/** A real host with the repository's plugins: media-udp + manager-client (+ punch-null-udp unless `punch` is false); its NDJSON lines collected. */
export async function peerHost(o: { punch?: boolean; config?: PinholeConfig } = {}): Promise<{ host: Host; events: Ev[] }> {
  const events: Ev[] = [];
  const host = new Host({
    config: {
      plugins: {
        'manager-client': { options: { reconnectMinMs: 20, reconnectMaxMs: 200, stunTimeoutMs: 500, callTimeoutMs: 4000, connectTimeoutMs: 1000 } },
        'punch-null-udp': { enabled: o.punch !== false, options: { probeTimeoutMs: 1500, spreadMs: 100, repeats: 2 } },
        ...o.config?.plugins,
      },
    },
    log: createLogger({ json: true, level: 'silent', write: (l) => events.push(JSON.parse(l)) }),
  });
  await host.start();
  await host.plugins.activate('manager-client');
  return { host, events };
}

/** A manager on loopback with free ports, from the host's manager-server plugin (its configured directory). */
export async function manager(host: Host, opts: Record<string, unknown> = {}): Promise<ManagerServer> {
  const factory = await host.services.load<ManagerServerFactory>(ManagerServerFactory, 'onManager');
  return factory.start({ host: '127.0.0.1', port: 0, udpHost: '127.0.0.1', udpPort: 0, ...opts });
}

export const at = (m: ManagerServer) => `127.0.0.1:${m.address().tcp.port}`;

export async function client(host: Host, peerId: string, managerAt: string, secret?: string): Promise<ManagerPeerClient> {
  const factory = await host.services.load<PeerClientFactory>(PeerClientFactory);
  return (await factory.create({ peerId, manager: managerAt, udpHost: '127.0.0.1', secret })) as ManagerPeerClient;
}

export const nextIncoming = (p: PeerClient) =>
  new Promise<EstablishedCall>((resolve) => {
    const d = p.onIncomingCall((c) => {
      d.dispose();
      resolve(c);
    });
  });

/** Datagrams both ways over an established call's direct session. */
export async function exchange(a: EstablishedCall, b: EstablishedCall): Promise<void> {
  const got = new Promise<string>((resolve) => b.session.onData((p) => resolve(p.toString())));
  const back = new Promise<string>((resolve) => a.session.onData((p) => resolve(p.toString())));
  a.session.send(Buffer.from('hello bob'));
  assert.equal(await got, 'hello bob');
  b.session.send(Buffer.from('hello alice'));
  assert.equal(await back, 'hello alice');
}
