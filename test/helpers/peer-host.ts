import { strict as assert } from 'assert';
import * as path from 'path';
import { createLogger, ManagerServerFactory, PeerClientFactory, type EstablishedCall, type ManagerServer, type PeerClient, type PeerClientOptions } from '@pinhole/core';
import { Host, type PinholeConfig } from '@pinhole/core/host';
import type { ManagerPeerClient } from '@pinhole/manager-client';
import { peerOptions } from './peers';

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

/**
 * A manager on loopback with free ports, from the host's manager-server plugin (its configured
 * directory). Managers of one deployment share a certificate (kept in `certDir`), so one pin
 * fits every node a peer fails over between, and survives restarts.
 */
export async function manager(host: Host, opts: Record<string, unknown> = {}, certDir = path.join(process.env.PINHOLE_HOME!, 'shared-manager-cert')): Promise<ManagerServer> {
  const factory = await host.services.load<ManagerServerFactory>(ManagerServerFactory, 'onManager');
  return factory.start({ host: '127.0.0.1', port: 0, udpHost: '127.0.0.1', udpPort: 0, selfSignedDir: certDir, ...opts });
}

export const at = (m: ManagerServer) => `127.0.0.1:${m.address().tcp.port}`;

/** A peer with its own identity, taking calls from anyone, registering with `mgr` (or the managers listed in `managerAt`). */
export async function client(host: Host, peerId: string, mgr: ManagerServer, managerAt: string | string[] = at(mgr), extra: Partial<PeerClientOptions> = {}): Promise<ManagerPeerClient> {
  const factory = await host.services.load<PeerClientFactory>(PeerClientFactory);
  return (await factory.create(peerOptions(peerId, mgr, { manager: managerAt, ...extra }))) as ManagerPeerClient;
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
