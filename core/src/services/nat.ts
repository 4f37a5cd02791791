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
}

export interface NatClassifyOptions {
  /** Whole-classification budget; each unanswered test costs up to `testTimeoutMs`. */
  testTimeoutMs?: number;
  /** Tie the first Binding to the registration (the manager's probe token), as discoverReflexive does. */
  username?: string;
}
