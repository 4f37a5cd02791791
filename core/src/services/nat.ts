import type { Candidate } from '../hooks/types';

/** RFC 4787 terms for how a NAT maps, or a firewall filters, per remote endpoint. */
export type NatBehaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

/**
 * What a peer learned about the NAT/firewall in front of its media socket by STUN against the
 * manager's two ports (and two addresses when the manager has them), RFC 5780 style.
 */
export interface NatInfo {
  /** false: the manager saw the socket's own address and port (no NAT; a firewall may still filter). */
  natted: boolean;
  /** How the NAT picks the public port per destination; `unknown` when the manager has no second STUN port. */
  mapping: NatBehaviour | 'unknown';
  /** Which inbound packets pass; `unknown` when untested. */
  filtering: NatBehaviour | 'unknown';
  /**
   * Mapping depends on the destination: the port a peer would see is not the one the manager saw,
   * so plain punching fails (port probing or a relay is needed).
   */
  hard: boolean;
  /** The reflexive address the manager's primary STUN port saw. */
  reflexive?: Candidate;
  /** Which alternates the manager offered: none, another port, or another address and port. */
  tested: 'none' | 'port' | 'address';
  /** No STUN answer at all: UDP to the manager is blocked (only TCP/TLS gets out; a relay over TCP is the way). */
  udpBlocked?: boolean;
}

/**
 * What a pair of NATs asks of a call, as the manager sorts it (strategies declare the classes
 * they serve: `contributes.punchStrategies[].natClasses`):
 * - `easy`: neither side is hard (or nothing is known): plain punching;
 * - `one-hard`: one side's NAT maps per destination: port probing;
 * - `both-hard`: no direct path can be found: a relay;
 * - `udp-blocked`: a side gets no UDP out at all: a relay over TCP/TLS.
 */
export type NatClass = 'easy' | 'one-hard' | 'both-hard' | 'udp-blocked';
export const NAT_CLASSES: readonly NatClass[] = ['easy', 'one-hard', 'both-hard', 'udp-blocked'];

export function natClass(a: NatInfo | undefined, b: NatInfo | undefined): NatClass {
  if (a?.udpBlocked || b?.udpBlocked) return 'udp-blocked';
  const hard = Number(!!a?.hard) + Number(!!b?.hard);
  return hard === 2 ? 'both-hard' : hard === 1 ? 'one-hard' : 'easy';
}

export interface NatClassifyOptions {
  /** Whole-classification budget; each unanswered test costs up to `testTimeoutMs`. */
  testTimeoutMs?: number;
  /** Tie the first Binding to the registration (the manager's probe token), as discoverReflexive does. */
  username?: string;
  /**
   * The mapping result as soon as it is known (filtering `unknown` still), when the transport can
   * test mapping on a spare socket while filtering is tested: enough to pick a call's strategy.
   */
  onMapping?(early: NatInfo): void;
  /**
   * The server's alternate as its operator announced it (the manager's Registered): the port, and
   * the address when it is a second one. With it the mapping test starts with the first Binding
   * instead of after its answer (one round trip less); an answer naming another alternate wins.
   */
  other?: { port: number; address?: string };
}

/** The classification without its reflexive address (a record keeps that on its own): what the manager stores and forwards. */
export function natFacts(n: NatInfo): NatInfo {
  return { natted: n.natted, mapping: n.mapping, filtering: n.filtering, hard: n.hard, tested: n.tested, ...(n.udpBlocked ? { udpBlocked: true } : {}) };
}
