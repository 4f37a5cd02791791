import { randomBytes } from 'crypto';
import { formatHostPort, isDirectoryOutage, type Disposable, type ManagerAddress, type ManagerServer } from '@pinhole/core';
import { AdminAuth } from './admin/admin-auth';
import { AdminHttp } from './admin/admin-http';
import { ManagerMetrics } from './admin/metrics';
import { ManagerMonitor } from './monitor/monitor';
import { resolveOptions, type StartManagerOptions } from './options';
import { CallRouter } from './server/call-router';
import { PeerConnection, type ConnectionHandlers } from './server/connection';
import { DirectoryHealth, observedDirectory } from './server/directory-health';
import { startExpirySweep } from './server/expiry';
import { ControlListener } from './server/listener';
import { LocalPeers } from './server/local-peers';
import { CallPairs } from './server/call-pair';
import { reportNat } from './server/nat-report';
import { Registrar } from './server/registrar';
import { StunResponder } from './server/stun-responder';
import { givenTls, selfSignedTls } from './server/tls-identity';

export interface RunningManager extends ManagerServer {
  readonly nodeId: string;
  /** The directory backend's name (manager.ready reports it). */
  readonly directoryName: string;
  /** The TURN servers it advertises (URIs). */
  readonly turnServers: string[];
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
  let stun: StunResponder | undefined;
  let metrics: ManagerMetrics | undefined;
  const monitor = new ManagerMonitor(
    nodeId,
    o.directoryName,
    () => stun?.stats ?? { requests: 0, probes: 0, dropped: 0 },
    () => ({ up: !health.down, outages: health.stats.outages, failedOps: health.stats.failedOps }),
    (ms) => metrics?.observeSetup(ms),
  );
  metrics = new ManagerMetrics(() => monitor.snapshot());
  const auth = new AdminAuth(o.adminToken);
  const admin = new AdminHttp({ auth, metrics, manager: monitor, log });

  // Before anything is bound: a bad TURN URI or an unreadable CA file stops the start cleanly.
  const pairs = new CallPairs(o.turn, o.turnCredentialTtlSeconds, o.punchStrategies);
  // STUN first: Registered tells each peer the STUN port, so it is known before anyone registers.
  stun = await StunResponder.bind({
    host: o.udpHost,
    port: o.udpPort,
    altPort: o.stunAltPort,
    altHost: o.stunAltHost,
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
      monitor.reflexive(peerId, formatHostPort(from.address, from.port));
    },
  });
  const router = new CallRouter({ node: nodeId, directory, peers, callTimeoutMs: o.callTimeoutMs, maxCallsPerPeer: o.maxCallsPerPeer, callsPerSecondPerPeer: o.callsPerSecondPerPeer, orphanMs: o.expiryMs, pairs, log, monitor });
  const registrar = new Registrar({
    node: nodeId,
    directory,
    hooks: o.hooks,
    peers,
    keepaliveMs: o.keepaliveMs,
    expiryMs: o.expiryMs,
    stunPort: stun.address().port,
    stunAlternate: registeredAlternate(stun),
    replaceRemote: (node, peerId) => router.replaceRemote(node, peerId),
    onOutageKeepAlive: () => health.stats.keepAlivesInOutage++,
    log,
    monitor,
  });
  const handlers: ConnectionHandlers = {
    register: (c, m) => registrar.register(c, m),
    keepAlive: (c, m) => registrar.keepAlive(c, m),
    callRequest: (c, m) => router.callRequest(c, m),
    windowOpened: (c, m) => router.windowOpened(c, m),
    natReport: (c, m) => reportNat(c, m, directory, log),
    reject: (c, m) => router.reject(c, m),
    hangup: (c, m) => router.hangup(c, m),
    callReport: async (c, m) => router.callReport(c, m),
    bye: async (c) => {
      // A goodbye ends the registration now (the name stays bound to the key); only this key's record goes.
      if (c.peerId && c.publicKey) await directory.remove(c.peerId, c.publicKey);
      c.close();
    },
    closed: (c) => {
      // The record stays until it expires (spec ¶40); the same key may re-register at any time.
      if (!peers.unbind(c)) return;
      router.peerGone(c.peerId!);
      monitor.gone(c.peerId!);
    },
  };

  let subscription: Disposable | undefined;
  let listener: ControlListener;
  try {
    subscription = await directory.subscribe(nodeId, (bytes) =>
      void router.onBusMessage(bytes).catch((err) => isDirectoryOutage(err) || log.warn('dropped a routed message', { error: (err as Error).message })),
    );
    listener = await ControlListener.listen({ host: o.host, port: o.port, tls, maxFrameBytes: o.maxFrameBytes, limits: o.limits, log, admin: { isLivePath: AdminHttp.isLivePath, request: (q, r) => admin.request(q, r), upgrade: (q, s, h) => admin.upgrade(q, s, h) } }, (channel, deadline) => {
      stats.connections++;
      monitor.connection();
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
  const stunAlternate = stun.alternate();
  log.info('manager listening', { node: nodeId, directory: o.directoryName, tcp: formatHostPort(tcp.host, tcp.port), udp: formatHostPort(udp.host, udp.port), ...(stunAlternate ? { stunAlternate: formatHostPort(stunAlternate.host, stunAlternate.port) } : {}), turn: pairs.turnServers, tls: tls ? (tls.selfSigned ? 'self-signed' : 'given') : 'off' });

  let closing: Promise<void> | undefined;
  return {
    nodeId,
    directoryName: o.directoryName,
    turnServers: pairs.turnServers,
    address: (): ManagerAddress => ({
      tcp: { ...tcp },
      udp: { ...udp },
      ...(stunAlternate ? { stunAlternate: { ...stunAlternate } } : {}),
      ...(tls ? { tls: { pin: tls.pin, selfSigned: tls.selfSigned } } : {}),
      ...(o.directoryName ? { directory: o.directoryName } : {}),
      admin: { token: auth.token, generated: auth.generated },
    }),
    snapshot: () => monitor.snapshot(),
    onChange: (listener) => monitor.onChange(listener),
    stats: () => ({
      ...stats,
      openConnections: listener.connections,
      peers: peers.size,
      callLegs: router.activeLegs,
      ...prefixed('registrations', registrar.stats),
      ...prefixed('directory', health.stats),
      ...prefixed('listener', listener.stats),
      ...prefixed('calls', router.stats),
      ...prefixed('pairs', pairs.stats),
      ...prefixed('stun', stun!.stats),
    }),
    close: () =>
      (closing ??= (async () => {
        stopSweep();
        admin.close();
        router.close();
        await subscription!.dispose();
        await listener.close();
        await stun!.close();
      })()),
  };
}

function prefixed(prefix: string, o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/**
 * The STUN alternate as Registered names it: the port, and the address only when it is a second
 * one (a responder bound to one address, or to the wildcard, answers from the address the peer used).
 */
function registeredAlternate(stun: StunResponder): { port: number; address?: string } | undefined {
  const alt = stun.alternate();
  if (!alt) return undefined;
  const primary = stun.address().host;
  const second = alt.host !== primary && alt.host !== '0.0.0.0' && alt.host !== '::';
  return second ? { port: alt.port, address: alt.host } : { port: alt.port };
}
