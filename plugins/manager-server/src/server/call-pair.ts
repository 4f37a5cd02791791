import * as fs from 'fs';
import {
  ConfigError,
  natClass,
  parseTurnUri,
  toNatMsg,
  turnRestCredentials,
  type NatClass,
  type NatInfo,
  type PairMsg,
  type PeerRecord,
  type TurnServerMsg,
} from '@pinhole/core';
import type { TurnServerOption } from '../options';

interface AdvertisedTurn {
  uri: string;
  secret: string;
  ca?: string;
}

/**
 * What the manager tells both sides of a call about the pair (issue 11): each side's NAT as it
 * reported it, the punch strategies for this class of pair, and the TURN servers it offers, each
 * with coturn REST credentials (use-auth-secret: `EXPIRY:PEER` and its HMAC) minted for that peer.
 * The secrets never leave the manager.
 */
export class CallPairs {
  readonly stats: Record<NatClass, number> = { easy: 0, 'one-hard': 0, 'both-hard': 0, 'udp-blocked': 0 };
  private readonly turn: AdvertisedTurn[];

  constructor(
    turn: TurnServerOption[],
    private readonly ttlSeconds: number,
    private readonly strategies?: (cls: NatClass) => string[],
  ) {
    // Checked now: a bad URI or an unreadable CA file stops the manager at start, not a call later.
    this.turn = turn.map((t) => {
      parseTurnUri(t.uri);
      if (!t.secret) throw new ConfigError('E_TURN_SECRET', `TURN server ${t.uri} has no secret; give --turn-secret (the server's static-auth-secret)`);
      return { uri: t.uri, secret: t.secret, ca: t.ca ? readCa(t.ca) : undefined };
    });
  }

  /** Whether strategies are named per pair (else peers use their own order). */
  get planned(): boolean {
    return !!this.strategies;
  }

  get turnServers(): string[] {
    return this.turn.map((t) => t.uri);
  }

  /** The pair's class and what both OpenWindow and Ready say of it (the TURN servers apart: see turnFor). */
  pair(caller: PeerRecord, callee: PeerRecord): { cls: NatClass; msg: PairMsg } {
    const cls = natClass(caller.nat, callee.nat);
    this.stats[cls]++;
    const nat = (n?: NatInfo) => (n ? toNatMsg(n) : undefined);
    return { cls, msg: { callerNat: nat(caller.nat), calleeNat: nat(callee.nat), strategies: this.strategies?.(cls) ?? [] } };
  }

  /** The TURN servers with credentials for `peerId`, valid ttlSeconds from now. */
  turnFor(peerId: string, now = Date.now()): TurnServerMsg[] {
    return this.turn.map((t) => {
      const c = turnRestCredentials(t.secret, peerId.replace(/:/g, '_'), this.ttlSeconds, now);
      return { uri: t.uri, username: c.username, password: c.password, ...(t.ca ? { ca: t.ca } : {}) };
    });
  }
}

function readCa(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('E_TURN_CA', `cannot read the TURN CA file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
