import { randomBytes } from 'crypto';
import { isDirectoryOutage, type Disposable, type ManagerAddress, type ManagerServer } from '@pinhole/core';
import { resolveOptions, type StartManagerOptions } from './options';
import { CallRouter } from './server/call-router';
import { PeerConnection, type ConnectionHandlers } from './server/connection';
import { DirectoryHealth, observedDirectory } from './server/directory-health';
import { startExpirySweep } from './server/expiry';
import { ControlListener } from './server/listener';
import { LocalPeers } from './server/local-peers';
import { Registrar } from './server/registrar';
import { StunResponder } from './server/stun-responder';
import { givenTls, selfSignedTls } from './server/tls-identity';

export interface RunningManager extends ManagerServer {
  readonly nodeId: string;
  /** The directory backend's name (manager.ready reports it). */
  readonly directoryName: string;
}

/**
 * Starts the external manager (spec "external manager 20"): TCP + WebSocket control on one
 * port, the STUN responder on UDP, call routing through the given directory. The directory
 * is the caller's: close() leaves it open.
 */
export async function startManager(options: StartManagerOptions): Promise<RunningManager> {
  const o = resolveOptions(options);
  const nodeId = options.nodeId ?? randomBytes(8).toString('hex');
  const log = o.log;
  // TLS unless the operator asked for plain text: their certificate, else our own self-signed one.
  const tls = o.insecure ? undefined : o.tls ? givenTls(o.tls) : await selfSignedTls(o.selfSignedDir);
  if (o.insecure) log.warn('INSECURE: the control channel is plain TCP/WebSocket; registrations and call metadata travel in clear (--insecure is for debugging only)');
  const peers = new LocalPeers();
  const stats = { connections: 0, expired: 0 };
  // Sweeps wait one keep-alive interval (plus a margin for the ack) after an outage: live peers refresh first.
  const health = new DirectoryHealth(o.keepaliveMs + Math.min(o.keepaliveMs, 5000), log);
  const directory = observedDirectory(o.directory, health);

  // STUN first: Registered tells each peer the STUN port, so it is known before anyone registers.
  const stun = await StunResponder.bind({
    host: o.udpHost,
    port: o.udpPort,
    log,
    onProbe: async (username, from) => {
      const peerId = peers.peerForToken(username);
      if (!peerId) return;
      const reflexive = { address: from.address, port: from.port, kind: 'reflexive' as const };
      const record = peers.get(peerId)?.record;
      if (record) record.reflexive = reflexive; // kept for a re-claim after a directory outage
      await directory.update(peerId, { reflexive }).catch((err) => {
        if (!isDirectoryOutage(err)) throw err; // an outage is logged once, by the backend
      });
    },
  });
  const router = new CallRouter({ node: nodeId, directory, peers, callTimeoutMs: o.callTimeoutMs, maxCallsPerPeer: o.maxCallsPerPeer, callsPerSecondPerPeer: o.callsPerSecondPerPeer, orphanMs: o.expiryMs, log });
  const registrar = new Registrar({
    node: nodeId,
    directory,
    hooks: o.hooks,
    peers,
    keepaliveMs: o.keepaliveMs,
    expiryMs: o.expiryMs,
    stunPort: stun.address().port,
    replaceRemote: (node, peerId) => router.replaceRemote(node, peerId),
    onOutageKeepAlive: () => health.stats.keepAlivesInOutage++,
    log,
  });
  const handlers: ConnectionHandlers = {
    register: (c, m) => registrar.register(c, m),
    keepAlive: (c, m) => registrar.keepAlive(c, m),
    callRequest: (c, m) => router.callRequest(c, m),
    windowOpened: (c, m) => router.windowOpened(c, m),
    reject: (c, m) => router.reject(c, m),
    hangup: (c, m) => router.hangup(c, m),
    bye: async (c) => {
      // A goodbye ends the registration now (the name stays bound to the key); only this key's record goes.
      if (c.peerId && c.publicKey) await directory.remove(c.peerId, c.publicKey);
      c.close();
    },
    closed: (c) => {
      // The record stays until it expires (spec ¶40); the same key may re-register at any time.
      if (peers.unbind(c)) router.peerGone(c.peerId!);
    },
  };

  let subscription: Disposable | undefined;
  let listener: ControlListener;
  try {
    subscription = await directory.subscribe(nodeId, (bytes) =>
      void router.onBusMessage(bytes).catch((err) => isDirectoryOutage(err) || log.warn('dropped a routed message', { error: (err as Error).message })),
    );
    listener = await ControlListener.listen({ host: o.host, port: o.port, tls, maxFrameBytes: o.maxFrameBytes, limits: o.limits, log }, (channel, deadline) => {
      stats.connections++;
      new PeerConnection(channel, deadline, o.limits, handlers, log);
    });
  } catch (err) {
    await subscription?.dispose();
    await stun.close();
    throw err;
  }
  const stopSweep = startExpirySweep({
    directory,
    peers,
    health,
    everyMs: o.sweepMs,
    expiryMs: o.expiryMs,
    reclaim: (conn, now) => registrar.reclaim(conn, now),
    log,
    onExpired: (ids) => (stats.expired += ids.length),
  });
  const tcp = listener.address();
  const udp = stun.address();
  log.info('manager listening', { node: nodeId, directory: o.directoryName, tcp, udp, tls: tls ? (tls.selfSigned ? 'self-signed' : 'given') : 'off' });

  let closing: Promise<void> | undefined;
  return {
    nodeId,
    directoryName: o.directoryName,
    address: (): ManagerAddress => ({ tcp: { ...tcp }, udp: { ...udp }, ...(tls ? { tls: { pin: tls.pin, selfSigned: tls.selfSigned } } : {}) }),
    stats: () => ({
      ...stats,
      openConnections: listener.connections,
      peers: peers.size,
      callLegs: router.activeLegs,
      ...prefixed('registrations', registrar.stats),
      ...prefixed('directory', health.stats),
      ...prefixed('listener', listener.stats),
      ...prefixed('calls', router.stats),
      ...prefixed('stun', stun.stats),
    }),
    close: () =>
      (closing ??= (async () => {
        stopSweep();
        router.close();
        await subscription!.dispose();
        await listener.close();
        await stun.close();
      })()),
  };
}

function prefixed(prefix: string, o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [`${prefix}.${k}`, v]));
}
