import { randomBytes } from 'crypto';
import { isIP } from 'net';
import { isDirectoryOutage, fingerprint, parsePublicKey, policyAllows, publicKeyText, SignalError, toCandidateMsg, type CandidateMsg, type ControlEnvelope, type Directory, type NatInfo, type PairMsg, type Logger, type PeerRecord } from '@pinhole/core';
import { reachableCandidates, safeCode, windowTargets, type CallRequestMsg, type Msg, type ReadyMsg } from '../protocol';
import type { CallPairs } from './call-pair';
import type { ManagerMonitor } from '../monitor/monitor';
import { CallerBuckets } from './limits';
import type { PeerConnection } from './connection';
import { fatal } from './faults';
import type { LocalPeers } from './local-peers';
import { decodeRouted, encodeRouted } from './routed';

/** One side of a call, held by the node that holds that side's peer connection. */
interface Leg {
  callId: string;
  /** The local peer this leg belongs to. */
  peerId: string;
  remoteId: string;
  role: 'caller' | 'callee';
  state: 'opening' | 'active';
  callerEndpoint: number;
  calleeEndpoint: number;
  payloadTypes: string[];
  optimistic: boolean;
  /**
   * The node holding the remote peer's connection, learnt at setup (the callee's record, or the
   * caller's node on the routed OpenWindow): setup messages go straight there, no lookup.
   */
  remoteNode?: string;
  /** Caller legs: the callee's record as found at CallRequest (its candidates go into Ready). */
  callee?: PeerRecord;
  /** Caller legs: what Ready says of the pair (NATs, strategies, TURN servers with the caller's credentials). */
  pair?: PairMsg;
  timer?: NodeJS.Timeout;
  /** A second WindowOpened (addresses a slower strategy opened: a TURN relay) was relayed already; only one is. */
  followUp?: boolean;
}

export interface CallRouterDeps {
  node: string;
  directory: Directory;
  peers: LocalPeers;
  callTimeoutMs: number;
  maxCallsPerPeer: number;
  /** CallRequests a caller may make per second (token bucket, burst twice that). */
  callsPerSecondPerPeer: number;
  /** How long an established call outlives its peer's control connection (the peer may reconnect). */
  orphanMs: number;
  /** NATs, strategies and TURN servers for each call. */
  pairs: CallPairs;
  log: Logger;
  /** The operator's view: calls started, live, reported, ended; refusals by code. */
  monitor: ManagerMonitor;
}

/** Addresses a callee's strategies may add to WindowOpened (a relayed address or two). */
const MAX_WINDOW_CANDIDATES = 2;

const RELAY_KIND = toCandidateMsg({ address: '', port: 0, kind: 'relay' }).kind;
const legKey = (peerId: string, callId: string) => `${peerId}\u0000${callId}`;

/**
 * Call control (spec Figure 6, steps 80–88). Each node keeps the legs of its own peers; the
 * two legs of a call talk by routing envelopes peer-to-peer: in process when both peers are
 * here, else through Directory.publish to the node the callee's record names. The caller's
 * node owns the setup timeout; the callee's node enforces the callee's call limit.
 */
export class CallRouter {
  readonly stats = { callRequests: 0, ready: 0, rejected: 0, refusedByPolicy: 0, keyChanged: 0, rateLimited: 0, timeouts: 0, routedOut: 0, routedIn: 0 };
  private readonly legs = new Map<string, Leg>();
  private readonly byPeer = new Map<string, Set<string>>();
  private readonly callBuckets: CallerBuckets;

  constructor(private readonly d: CallRouterDeps) {
    this.callBuckets = new CallerBuckets(d.callsPerSecondPerPeer);
  }

  get activeLegs(): number {
    return this.legs.size;
  }

  // ---- from local peers -------------------------------------------------------------

  async callRequest(conn: PeerConnection, msg: CallRequestMsg): Promise<void> {
    this.stats.callRequests++;
    this.d.monitor.callRequested();
    const callerId = conn.peerId!;
    const { callId, calleeId } = msg;
    if (!callId || callId.length > 64) throw new SignalError('E_BAD_REQUEST', 'CallRequest needs a call id of 1–64 characters (a fresh random id per call)');
    const refuse = (code: string, reason: string) => {
      this.stats.rejected++;
      this.d.monitor.refused(code);
      conn.send({ reject: { callId, code, reason } });
    };
    if (!this.callBuckets.take(callerId)) {
      this.stats.rateLimited++;
      return refuse('E_RATE_LIMITED', `more than ${this.d.callsPerSecondPerPeer} calls per second; wait a moment and call again`);
    }
    if (calleeId === callerId) return refuse('E_CALL_SELF', 'a peer cannot call itself');
    if (this.legs.has(legKey(callerId, callId))) return refuse('E_CALL_EXISTS', `call id ${callId} is already in use; use a fresh random id per call`);
    if (this.count(callerId) >= this.d.maxCallsPerPeer)
      return refuse('E_TOO_MANY_CALLS', `you have ${this.count(callerId)} call(s) open, your limit (maxCallsPerPeer ${this.d.maxCallsPerPeer}); hang one up first`);

    const [callee, caller] = await Promise.all([this.d.directory.get(calleeId), this.d.directory.get(callerId)]);
    if (!caller) throw fatal('E_EXPIRED', `the registration of "${callerId}" expired; reconnect and register again`);
    const callerKey = parsePublicKey(caller.publicKey);
    // Unknown and not allowed look the same, so nobody can list who is registered.
    if (!callee || callee.expiresAt <= Date.now() || !callerKey || !policyAllows(callee.policy, callerId, callerKey)) {
      if (callee) this.stats.refusedByPolicy++;
      return refuse('E_PEER_UNAVAILABLE', unavailable(calleeId, callerId, callerKey));
    }
    // Only an allowed caller learns that the name now has another key (no enumeration oracle).
    const expected = msg.expectedCalleeKey?.length ? publicKeyText(msg.expectedCalleeKey) : undefined;
    if (expected && expected !== callee.publicKey) {
      this.stats.keyChanged++;
      return refuse('E_PEER_KEY_CHANGED', keyChanged(calleeId, expected, callee.publicKey));
    }
    const payloadTypes = negotiate(msg.payloadTypes ?? [], callee.payloadTypes);
    if (!payloadTypes) return refuse('E_PAYLOAD_UNSUPPORTED', unsupported(calleeId, msg.payloadTypes ?? [], callee));
    if (conn.closed) return;
    if (this.legs.has(legKey(callerId, callId))) return refuse('E_CALL_EXISTS', `call id ${callId} is already in use; use a fresh random id per call`);

    const [callerEndpoint, calleeEndpoint] = endpointPair();
    // Addresses before confirmation only when the callee opted in (its policy's optimistic flag).
    const optimistic = !!msg.optimistic && callee.policy.optimistic;
    // The NATs pick the strategies (birthday for one hard side, the relay for two …); each side gets its own TURN credentials.
    const { cls, msg: pair } = this.d.pairs.pair(caller, callee);
    this.d.log.debug('call planned', { callId, class: cls, strategies: pair.strategies });
    if (this.d.pairs.planned && pair.strategies!.length === 0 && (cls === 'both-hard' || cls === 'udp-blocked') && this.d.pairs.turnServers.length === 0)
      return refuse(
        'E_NO_RELAY',
        `no direct path exists for this pair (${natText(caller.nat)} calling ${natText(callee.nat)}) and this manager advertises no TURN relay; start it with --turn turn:HOST:PORT --turn-secret SECRET (a coturn with use-auth-secret)`,
      );
    if (this.d.pairs.planned && pair.strategies!.length === 0)
      return refuse(
        'E_NO_STRATEGY',
        `no punch strategy installed here serves this pair of NATs (${cls}: ${natText(caller.nat)} calling ${natText(callee.nat)}); enable a plugin whose punchStrategies declare "${cls}" (punch-birthday for one hard NAT, relay-turn with --turn for the rest)`,
      );
    const leg = this.addLeg({
      callId, peerId: callerId, remoteId: calleeId, role: 'caller', state: 'opening',
      callerEndpoint, calleeEndpoint, payloadTypes, optimistic, remoteNode: callee.node, callee,
      pair: { ...pair, turnServers: this.d.pairs.turnFor(callerId) },
    });
    leg.timer = setTimeout(() => void this.timeout(leg).catch((err) => this.routeFailed(err)), this.d.callTimeoutMs);
    leg.timer.unref();
    this.d.monitor.callStarted({ callId, caller: callerId, callee: calleeId });
    if (leg.optimistic) {
      conn.send({ ready: this.ready(leg, callee, true) });
      this.d.monitor.callReady(callerId, callId);
    }
    const routed = await this.route(calleeId, callerId, {
      openWindow: { callId, callerId, callerCandidates: windowTargets(caller), callerEndpoint, calleeEndpoint, payloadTypes, callerKey, ...pair, turnServers: this.d.pairs.turnFor(calleeId) },
    }, callee.node);
    if (!routed && this.take(leg)) refuse('E_PEER_UNAVAILABLE', unavailable(calleeId, callerId, callerKey));
  }

  async windowOpened(conn: PeerConnection, msg: Msg<'windowOpened'>): Promise<void> {
    const leg = this.ownLeg(conn, msg.callId, 'WindowOpened');
    if (leg.role !== 'callee') throw fatal('E_OUT_OF_ORDER', `WindowOpened is sent by the callee; you are the caller of call ${msg.callId}`);
    if (leg.state === 'active') {
      // A follow-up: what a slower strategy opened after the first (the callee's TURN relay). One
      // is relayed; repeats and empty ones are dropped.
      const late = windowCandidates(msg.candidates ?? []);
      if (leg.followUp || late.length === 0) return;
      leg.followUp = true;
      return void (await this.route(leg.remoteId, leg.peerId, { windowOpened: { callId: msg.callId, nullPackets: 0, candidates: late } }, leg.remoteNode));
    }
    const candidates = windowCandidates(msg.candidates ?? []);
    leg.state = 'active';
    clearTimeout(leg.timer);
    await this.route(leg.remoteId, leg.peerId, { windowOpened: { callId: msg.callId, nullPackets: msg.nullPackets ?? 0, candidates } }, leg.remoteNode);
  }

  async reject(conn: PeerConnection, msg: Msg<'reject'>): Promise<void> {
    const leg = this.ownLeg(conn, msg.callId ?? '', 'Reject');
    if (leg.role !== 'callee' || leg.state !== 'opening')
      throw fatal('E_OUT_OF_ORDER', `Reject answers an OpenWindow; call ${msg.callId} is not waiting for your answer (end a call with Hangup)`);
    this.take(leg);
    this.stats.rejected++;
    this.d.monitor.refused(safeCode(msg.code, 'E_REJECTED'));
    await this.route(leg.remoteId, leg.peerId, {
      reject: { callId: leg.callId, code: safeCode(msg.code, 'E_REJECTED'), reason: msg.reason || `"${leg.peerId}" declined the call` },
    }, leg.remoteNode);
  }

  async hangup(conn: PeerConnection, msg: Msg<'hangup'>): Promise<void> {
    const leg = this.legs.get(legKey(conn.peerId!, msg.callId));
    if (!leg) return; // hangups cross on the wire: a second one is harmless
    // During setup the remote peer is where it was a moment ago; an established call may have outlived a failover.
    const node = leg.state === 'opening' ? leg.remoteNode : undefined;
    if (!this.take(leg)) return;
    await this.route(leg.remoteId, leg.peerId, { hangup: { callId: leg.callId, reason: msg.reason ?? '' } }, node);
  }

  /**
   * The peer's connection closed. Calls still being set up end now (the other side is told).
   * Established calls go on: their media flows directly, and the peer may reconnect and later
   * hang up; if it does not come back within orphanMs, the other side is told then.
   */
  peerGone(peerId: string): void {
    this.callBuckets.forget(peerId);
    for (const key of [...(this.byPeer.get(peerId) ?? [])]) {
      const leg = this.legs.get(key);
      if (!leg) continue;
      if (leg.state === 'active') {
        clearTimeout(leg.timer);
        leg.timer = setTimeout(() => {
          if (this.d.peers.get(peerId) || !this.take(leg)) return;
          this.route(leg.remoteId, peerId, { hangup: { callId: leg.callId, reason: `"${peerId}" lost its manager connection and did not come back within ${this.d.orphanMs} ms` } }).catch((err) => this.routeFailed(err));
        }, this.d.orphanMs);
        leg.timer.unref();
        continue;
      }
      if (!this.take(leg)) continue;
      const env: ControlEnvelope =
        leg.role === 'callee'
          ? { reject: { callId: leg.callId, code: 'E_PEER_GONE', reason: `"${peerId}" disconnected before opening its window` } }
          : { hangup: { callId: leg.callId, reason: `"${peerId}" disconnected during call setup` } };
      this.route(leg.remoteId, peerId, env).catch((err) => this.routeFailed(err));
    }
  }

  // ---- between nodes -------------------------------------------------------------------

  /** A message another node published for one of our peers. */
  async onBusMessage(bytes: Uint8Array): Promise<void> {
    this.stats.routedIn++;
    const m = decodeRouted(bytes);
    await this.deliver(m.toPeer, m.fromPeer, m.envelope, m.fromNode || undefined);
  }

  /** Asks the node holding an older connection of `peerId` to close it. */
  async replaceRemote(node: string, peerId: string): Promise<void> {
    await this.d.directory.publish(node, encodeRouted({ toPeer: peerId, fromPeer: peerId, fromNode: this.d.node, envelope: { error: { code: 'E_REPLACED', message: `peer "${peerId}" registered again on another manager node; this connection is closed`, fatal: true } } }));
  }

  close(): void {
    for (const leg of this.legs.values()) clearTimeout(leg.timer);
    this.legs.clear();
    this.byPeer.clear();
  }

  // ---- delivery ---------------------------------------------------------------------------

  /**
   * Sends `env` toward peer `to`, wherever its connection is: here, at `node` when the caller
   * knows it, else where the directory says; false if `to` is not in the directory.
   */
  private async route(to: string, from: string, env: ControlEnvelope, node?: string): Promise<boolean> {
    if (this.d.peers.get(to)) {
      await this.deliver(to, from, env, this.d.node);
      return true;
    }
    if (!node) {
      const record = await this.d.directory.get(to);
      if (!record) return false;
      node = record.node;
    }
    if (node === this.d.node) {
      await this.deliver(to, from, env, this.d.node); // registered here but not connected right now
      return true;
    }
    this.stats.routedOut++;
    await this.d.directory.publish(node, encodeRouted({ toPeer: to, fromPeer: from, fromNode: this.d.node, envelope: env }));
    return true;
  }

  /** Runs on the node holding `to`: updates `to`'s leg, then tells `to`. `fromNode` holds `from`. */
  private async deliver(to: string, from: string, env: ControlEnvelope, fromNode?: string): Promise<void> {
    const conn = this.d.peers.get(to);
    if (env.openWindow) return this.deliverOpenWindow(conn, to, from, env.openWindow, fromNode);
    if (!conn) return; // its legs ended when it disconnected
    if (env.windowOpened) return this.deliverWindowOpened(conn, from, env.windowOpened);
    if (env.error) return conn.fail(env.error.code, env.error.message);
    const callId = env.reject?.callId ?? env.hangup?.callId ?? '';
    const leg = this.legs.get(legKey(to, callId));
    if (!leg || leg.remoteId !== from || !this.take(leg)) return;
    conn.send(env);
  }

  /** The caller's report of its established call (operator view only). */
  callReport(conn: PeerConnection, msg: Msg<'callReport'>): void {
    const us = msg.setupUs;
    this.d.monitor.callReported(conn.peerId!, {
      callId: msg.callId,
      path: (msg.path ?? '').slice(0, 16),
      strategy: (msg.strategy ?? '').slice(0, 64),
      setupMs: typeof us === 'number' && us > 0 ? us / 1000 : undefined,
      encrypted: !!msg.encrypted,
    });
  }

  private async deliverOpenWindow(conn: PeerConnection | undefined, to: string, from: string, ow: Msg<'openWindow'>, fromNode?: string): Promise<void> {
    const back = (code: string, reason: string) => {
      this.d.monitor.refused(code);
      return this.route(from, to, { reject: { callId: ow.callId, code, reason } }, fromNode);
    };
    if (!conn) return void (await back('E_PEER_UNAVAILABLE', `"${to}" is registered but not connected right now (reconnecting?); try again shortly`));
    const n = this.count(to);
    if (n >= this.d.maxCallsPerPeer) return void (await back('E_BUSY', `"${to}" is busy: ${n} call(s) open, its limit (maxCallsPerPeer ${this.d.maxCallsPerPeer}); try again later`));
    if (this.legs.has(legKey(to, ow.callId))) return void (await back('E_CALL_EXISTS', `call id ${ow.callId} is already in use at "${to}"; use a fresh random id per call`));
    const leg = this.addLeg({
      callId: ow.callId, peerId: to, remoteId: from, role: 'callee', state: 'opening',
      callerEndpoint: ow.callerEndpoint, calleeEndpoint: ow.calleeEndpoint, payloadTypes: ow.payloadTypes ?? [], optimistic: false,
      remoteNode: fromNode,
    });
    // The caller's node times the setup out; this only frees the slot if that node vanished.
    leg.timer = setTimeout(() => leg.state === 'opening' && this.take(leg), this.d.callTimeoutMs * 2);
    leg.timer.unref();
    conn.send({ openWindow: ow });
  }

  private async deliverWindowOpened(conn: PeerConnection, from: string, wo: Msg<'windowOpened'>): Promise<void> {
    const leg = this.legs.get(legKey(conn.peerId!, wo.callId));
    if (!leg || leg.role !== 'caller' || leg.remoteId !== from) return;
    if (leg.state === 'active') {
      // The callee's follow-up (its relay, allocated after its first WindowOpened): once.
      if (leg.followUp || !wo.candidates?.length) return;
      leg.followUp = true;
      return conn.send({ windowOpened: wo });
    }
    leg.state = 'active';
    clearTimeout(leg.timer);
    this.d.monitor.callActive(leg.peerId, leg.callId);
    if (leg.optimistic) return conn.send({ windowOpened: wo }); // Ready went out already
    // The callee's record as found at CallRequest, a round trip ago: its candidates are current.
    this.stats.ready++;
    conn.send({ ready: this.ready(leg, leg.callee!, false, wo.candidates ?? []) });
    this.d.monitor.callReady(leg.peerId, leg.callId);
  }

  private async timeout(leg: Leg): Promise<void> {
    if (leg.state !== 'opening' || !this.take(leg)) return;
    this.stats.timeouts++;
    this.d.monitor.refused('E_CALL_TIMEOUT');
    this.d.peers.get(leg.peerId)?.send({
      reject: {
        callId: leg.callId,
        code: 'E_CALL_TIMEOUT',
        reason: `"${leg.remoteId}" did not confirm its firewall window within ${this.d.callTimeoutMs} ms (no WindowOpened); it may be unable to open one, or be unreachable`,
      },
    });
    await this.route(leg.remoteId, leg.peerId, { hangup: { callId: leg.callId, reason: 'call setup timed out' } });
  }

  // ---- legs ----------------------------------------------------------------------------------

  /** Ready: the callee's candidates (and what its strategies opened, from WindowOpened), ids, keys, the pair. */
  private ready(leg: Leg, callee: PeerRecord, optimistic: boolean, opened: CandidateMsg[] = []): ReadyMsg {
    return {
      ...leg.pair,
      callId: leg.callId,
      calleeId: leg.remoteId,
      calleeCandidates: [...reachableCandidates(callee), ...opened],
      callerEndpoint: leg.callerEndpoint,
      calleeEndpoint: leg.calleeEndpoint,
      optimistic,
      payloadTypes: leg.payloadTypes,
      calleeKey: parsePublicKey(callee.publicKey),
    };
  }

  /** The sender's own leg for `callId`, or a refusal: fatal if the call belongs to another peer here. */
  private ownLeg(conn: PeerConnection, callId: string, what: string): Leg {
    const leg = this.legs.get(legKey(conn.peerId!, callId));
    if (leg) return leg;
    for (const other of this.legs.values())
      if (other.callId === callId) throw fatal('E_CALL_NOT_YOURS', `${what} for call ${callId}, which is not yours`);
    // Not fatal: a late answer after a timeout or hangup is an ordinary race.
    throw new SignalError('E_CALL_UNKNOWN', `${what} for call ${callId}, which is not waiting for it (timed out or hung up?)`);
  }

  private addLeg(leg: Leg): Leg {
    const key = legKey(leg.peerId, leg.callId);
    this.legs.set(key, leg);
    let set = this.byPeer.get(leg.peerId);
    if (!set) this.byPeer.set(leg.peerId, (set = new Set()));
    set.add(key);
    return leg;
  }

  /** Removes `leg` if it is still current; true if it was. */
  private take(leg: Leg): boolean {
    const key = legKey(leg.peerId, leg.callId);
    if (this.legs.get(key) !== leg) return false;
    clearTimeout(leg.timer);
    this.legs.delete(key);
    if (leg.role === 'caller') this.d.monitor.callEnded(leg.peerId, leg.callId);
    const set = this.byPeer.get(leg.peerId);
    set?.delete(key);
    if (set?.size === 0) this.byPeer.delete(leg.peerId);
    return true;
  }

  private count(peerId: string): number {
    return this.byPeer.get(peerId)?.size ?? 0;
  }

  private routeFailed(err: unknown): void {
    if (isDirectoryOutage(err)) return; // the backend logged the outage once
    this.d.log.warn('could not route a call message', { error: (err as Error)?.message ?? String(err) });
  }
}

/**
 * What a callee may add to WindowOpened: at most MAX_WINDOW_CANDIDATES IP addresses with real
 * ports, always of kind relay (a callee cannot make the caller aim its probes at a list of third
 * parties, nor pass an address off as the one the manager observed).
 */
function windowCandidates(list: CandidateMsg[]): CandidateMsg[] {
  if (list.length > MAX_WINDOW_CANDIDATES) throw new SignalError('E_BAD_REQUEST', `WindowOpened carries ${list.length} candidates; at most ${MAX_WINDOW_CANDIDATES} (the relayed addresses the callee's strategies opened)`);
  for (const c of list)
    if (!isIP(c.address ?? '') || !Number.isInteger(c.port) || c.port < 1 || c.port > 65535)
      throw new SignalError('E_BAD_REQUEST', `WindowOpened candidate ${String(c.address).slice(0, 64)}:${c.port} is not an IP address with a port 1–65535`);
  return list.map((c) => ({ address: c.address, port: c.port, kind: RELAY_KIND }));
}

const natText = (n?: NatInfo) => (!n ? 'unclassified' : n.udpBlocked ? 'no UDP' : n.hard ? 'port-randomising NAT' : n.natted ? 'NAT' : 'no NAT');

/** Two distinct random non-zero u32 endpoint ids (the datagram header's destination/source ids). */
function endpointPair(): [number, number] {
  const draw = () => {
    for (;;) {
      const v = randomBytes(4).readUInt32BE(0);
      if (v !== 0) return v;
    }
  };
  const a = draw();
  let b = draw();
  while (b === a) b = draw();
  return [a, b];
}

/** The one refusal for "no such peer" and "not allowed": it tells the caller how to get allowed. */
function unavailable(calleeId: string, callerId: string, callerKey: Uint8Array | undefined): string {
  const fp = callerKey ? fingerprint(callerKey) : 'unknown';
  return `no peer "${calleeId}" takes calls from you ("${callerId}", fingerprint ${fp}): it is not registered, or it does not allow you; ask its owner to start it with --allow ${callerId} (or --allow ${fp}), then call again`;
}

function keyChanged(calleeId: string, pinned: string, presented: string): string {
  const fp = (t: string) => {
    const k = parsePublicKey(t);
    return k ? fingerprint(k) : t;
  };
  return `"${calleeId}" now has another key: you pinned ${fp(pinned)}, the manager holds ${fp(presented)}. Nothing was sent to it. If its owner really changed keys, run "pinhole known-peers forget ${calleeId}" and call again; otherwise someone else holds the name`;
}

/**
 * Caller's request intersected with what the callee registered. A caller that asks for nothing
 * takes what the callee offers; a callee that offers nothing carries no payload types (the
 * session and its datagrams only), so asking it for files or voice is refused at once.
 */
function negotiate(requested: string[], offered: string[]): string[] | undefined {
  if (requested.length === 0) return [...offered];
  const common = requested.filter((t) => offered.includes(t));
  return common.length === requested.length ? common : undefined;
}

/** The refusal names what is missing and, when the callee published it (meta `why-not.<type>`), why. */
function unsupported(calleeId: string, requested: string[], callee: PeerRecord): string {
  const missing = requested.filter((t) => !callee.payloadTypes.includes(t));
  const reasons = missing.map((t) => callee.meta[`why-not.${t}`]).filter((r): r is string => !!r);
  return `"${calleeId}" takes no ${missing.join(' or ')} (it offers ${callee.payloadTypes.join(', ') || 'no payload types, only the session'})${reasons.length ? `: ${reasons.join('; ')}` : ''}; ask its owner to enable ${missing.length > 1 ? 'them' : 'it'}`;
}
