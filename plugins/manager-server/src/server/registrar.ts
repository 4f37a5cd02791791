import { randomBytes } from 'crypto';
import { isIP } from 'net';
import {
  isDirectoryOutage,
  fingerprint,
  fromPolicyMsg,
  classifyAllowEntry,
  policyProblem,
  parsePublicKey,
  publicKeyText,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  type CallPolicy,
  type Candidate,
  type Directory,
  type Hooks,
  type Logger,
  type PeerRecord,
  type Registration,
  formatAddress,
} from '@pinhole/core';
import { fromCandidateMsg, PROTOCOL_VERSION, type Msg } from '../protocol';
import type { PeerConnection } from './connection';
import { fatal } from './faults';
import type { LocalPeers } from './local-peers';
import type { ManagerMonitor } from '../monitor/monitor';
import { formatHostPort } from '@pinhole/core';

export interface RegistrarDeps {
  node: string;
  directory: Directory;
  hooks: Hooks;
  peers: LocalPeers;
  keepaliveMs: number;
  expiryMs: number;
  /** Where peers send their STUN probe (Registered.stun_port). */
  stunPort: number;
  /** The STUN responder's RFC 5780 alternate, if any (Registered.stun_alt_port / stun_alt_address). */
  stunAlternate?: { port: number; address?: string };
  /** Tells the node holding an older connection of `peerId` to close it (re-registration elsewhere). */
  replaceRemote(node: string, peerId: string): Promise<void>;
  /** Counts keep-alives acknowledged while the directory was unreachable. */
  onOutageKeepAlive(): void;
  log: Logger;
  /** The operator's view: registrations and refused ones. */
  monitor: ManagerMonitor;
}

export const PEER_ID = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$/;
const MAX_CANDIDATES = 16;
const MAX_PAYLOAD_TYPES = 32;
const MAX_META = 32;

/**
 * Admits peers (spec ¶35–¶36): validates the Register message, runs the manager-side
 * `register` hook (the identity plugin's tap checks the key signature over this connection's
 * Hello nonce; any tap may refuse by throwing), and claims the name in the directory for the
 * proven key. A name belongs to the key that first claimed it: the same key replaces its own
 * stale connection at once, another key is refused.
 */
export class Registrar {
  readonly stats = { registered: 0, reregistered: 0, refused: 0, reclaimed: 0 };

  constructor(private readonly d: RegistrarDeps) {}

  async register(conn: PeerConnection, msg: Msg<'register'>): Promise<void> {
    try {
      await this.admit(conn, msg);
    } catch (err) {
      this.d.monitor.refused((err as { code?: string }).code ?? 'E_REGISTER_REFUSED');
      throw err;
    }
  }

  private async admit(conn: PeerConnection, msg: Msg<'register'>): Promise<void> {
    if (msg.protocolVersion !== PROTOCOL_VERSION)
      throw fatal('E_PROTOCOL_VERSION', `protocol version ${msg.protocolVersion} is not supported; this manager speaks version ${PROTOCOL_VERSION} (upgrade the peer or the manager)`);
    let registration = validate(msg);
    try {
      registration = await this.d.hooks.register.promise(registration, { side: 'manager', remoteAddress: conn.remoteAddress, transport: conn.transport, challenge: conn.challenge });
    } catch (err) {
      // A tap's error (TapError) keeps the tap's code; its message names the plugin.
      const e = err as { code?: string; message?: string };
      throw fatal(e?.code ?? 'E_REGISTER_REFUSED', `registration refused: ${e?.message ?? String(e)}`);
    }
    if (!registration || !PEER_ID.test(registration.peerId)) throw fatal('E_REGISTER_INVALID', 'a register hook returned a registration without a valid peer id');
    const key = registration.identity;
    if (!key?.verified || key.publicKey.length !== PUBLIC_KEY_BYTES)
      throw fatal('E_REGISTER_AUTH', 'no plugin verified the registration\'s key signature; this manager admits only peers that prove their key (enable the identity-ed25519 plugin on the manager)');
    if (conn.closed) return;

    const publicKey = publicKeyText(key.publicKey);
    const now = Date.now();
    // Stored canonical (fingerprints lower case); the signature covered what the peer sent.
    const policy = registration.policy ?? { mode: 'none', allow: [], optimistic: false };
    const record: PeerRecord = {
      peerId: registration.peerId,
      publicKey,
      // What a peer reports about itself is a host (or relay) address: only the manager's own
      // STUN observation is "reflexive", and only that one earns repeated null packets.
      candidates: registration.candidates.map((c) => (c.kind === 'reflexive' ? { ...c, kind: 'host' as const } : c)),
      payloadTypes: registration.payloadTypes,
      meta: registration.meta,
      policy: { ...policy, allow: policy.allow.map((a) => classifyAllowEntry(a)?.value ?? a) },
      node: this.d.node,
      registeredAt: now,
      lastSeen: now,
      expiresAt: now + this.d.expiryMs,
    };
    const claim = await this.d.directory.claim(record, now);
    if (!claim.ok) {
      this.stats.refused++;
      const bound = parsePublicKey(claim.boundKey);
      throw fatal(
        'E_ID_TAKEN',
        `the name "${record.peerId}" belongs to another key${bound ? ` (fingerprint ${fingerprint(bound)})` : ''}; yours is ${fingerprint(key.publicKey)}. Pick another name (--id), or use the identity file that registered it (--identity)`,
      );
    }
    if (conn.closed) return; // gone while we claimed: the record expires on its own

    const previous = this.d.peers.get(record.peerId);
    if (previous && previous !== conn) previous.fail('E_REPLACED', `peer "${record.peerId}" registered again from another connection with the same key; this connection is closed`);
    else if (claim.previous && claim.previous.node !== this.d.node && claim.previous.expiresAt > now)
      await this.d.replaceRemote(claim.previous.node, record.peerId).catch((err) => this.d.log.warn('could not reach the previous node', { error: (err as Error).message }));

    const probeToken = randomBytes(16).toString('hex');
    this.d.peers.bind(conn, record, probeToken);
    this.stats[claim.previous ? 'reregistered' : 'registered']++;
    conn.send({
      registered: {
        peerId: record.peerId,
        keepaliveMs: this.d.keepaliveMs,
        expiryMs: this.d.expiryMs,
        stunPort: this.d.stunPort,
        probeToken,
        ...(this.d.stunAlternate ? { stunAltPort: this.d.stunAlternate.port, stunAltAddress: this.d.stunAlternate.address ?? '' } : {}),
      },
    });
    this.d.monitor.registered({
      id: record.peerId,
      fingerprint: fingerprint(key.publicKey),
      transport: conn.transport,
      remote: conn.remoteAddress,
      candidates: record.candidates.map((c) => formatHostPort(c.address, c.port)),
      accepts: record.policy.mode,
      payloadTypes: record.payloadTypes,
      registeredAt: now,
      calls: 0,
    });
    this.d.log.info('peer registered', { peer: record.peerId, key: fingerprint(key.publicKey), transport: conn.transport, remote: conn.remoteAddress, reregistration: !!claim.previous, policy: record.policy.mode });
  }

  /**
   * Refreshes the record. The connection itself proves the peer alive, so a directory outage
   * does not cost it its registration (the ack goes out; the record's expiry still counts from
   * the last refresh that got through), and a record the directory lost (expired during the
   * outage, or a Redis restarted empty) is claimed again while nobody else holds the id.
   */
  async keepAlive(conn: PeerConnection, msg: Msg<'keepAlive'>): Promise<void> {
    const now = Date.now();
    try {
      const alive = (await this.d.directory.touch(conn.peerId!, now, this.d.expiryMs)) || (await this.reclaim(conn, now));
      if (!alive) throw fatal('E_EXPIRED', `the registration of "${conn.peerId}" expired (no keep-alive within ${this.d.expiryMs} ms) and another peer holds the id now; reconnect and register again`);
    } catch (err) {
      if (!isDirectoryOutage(err)) throw err;
      this.d.onOutageKeepAlive();
    }
    conn.send({ keepAliveAck: { seq: msg.seq } });
  }

  /** Claims this live connection's record again (fresh times, this node); false if another peer holds the id. */
  async reclaim(conn: PeerConnection, now: number): Promise<boolean> {
    if (!conn.record || conn.closed || this.d.peers.get(conn.record.peerId) !== conn) return false;
    const record: PeerRecord = { ...conn.record, node: this.d.node, lastSeen: now, expiresAt: now + this.d.expiryMs };
    const claim = await this.d.directory.claim(record, now);
    if (!claim.ok) return false;
    conn.record = record;
    this.stats.reclaimed++;
    this.d.log.info('peer record claimed again for a live connection (the directory had lost or expired it)', { peer: record.peerId });
    return true;
  }
}

function validate(msg: Msg<'register'>): Registration {
  const bad = (what: string) => fatal('E_REGISTER_INVALID', `Register refused: ${what}`);
  if (!PEER_ID.test(msg.peerId ?? '')) throw bad(`peer id "${String(msg.peerId).slice(0, 80)}" must be 1–64 characters of letters, digits and . _ @ : - (starting with a letter or digit)`);
  const publicKey = msg.publicKey ?? new Uint8Array(0);
  const signature = msg.signature ?? new Uint8Array(0);
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES)
    throw bad(`a registration carries an Ed25519 public key (${PUBLIC_KEY_BYTES} bytes) and its signature (${SIGNATURE_BYTES} bytes); got ${publicKey.length} and ${signature.length} (is the identity-ed25519 plugin enabled on the peer?)`);
  const candidates = msg.candidates ?? [];
  if (candidates.length > MAX_CANDIDATES) throw bad(`${candidates.length} candidates, at most ${MAX_CANDIDATES}`);
  const parsed: Candidate[] = candidates.map(fromCandidateMsg);
  for (const c of parsed)
    if (!isIP(c.address) || !Number.isInteger(c.port) || c.port < 1 || c.port > 65535) throw bad(`candidate ${formatAddress(c)} is not an IP address with a port 1–65535`);
  const payloadTypes = msg.payloadTypes ?? [];
  if (payloadTypes.length > MAX_PAYLOAD_TYPES || payloadTypes.some((t) => !t || t.length > 64)) throw bad(`payload types must be at most ${MAX_PAYLOAD_TYPES} names of 1–64 characters`);
  const meta = msg.meta ?? {};
  const entries = Object.entries(meta);
  if (entries.length > MAX_META || entries.some(([k, v]) => k.length > 64 || String(v).length > 256)) throw bad(`meta must be at most ${MAX_META} entries (keys ≤ 64, values ≤ 256 characters)`);
  const policy = validPolicy(fromPolicyMsg(msg.policy), bad);
  return {
    peerId: msg.peerId,
    protocolVersion: msg.protocolVersion,
    candidates: parsed,
    payloadTypes: [...payloadTypes],
    meta: { ...meta },
    identity: { publicKey: new Uint8Array(publicKey), signature: new Uint8Array(signature) },
    policy,
  };
}

/** A well-formed policy (see policyProblem), as the peer sent (and signed) it. */
function validPolicy(p: CallPolicy, bad: (what: string) => Error): CallPolicy {
  const problem = policyProblem(p);
  if (problem) throw bad(problem);
  return p;
}
