import type { Candidate, DatagramAddress } from '@pinhole/core';

/**
 * Where one call's peer may send from during setup: its candidates exactly, plus any port of a
 * few IPs — a port-randomising NAT's public address (its mapping toward us is not the one the
 * manager saw) and our own relayed address's IP (a peer relaying through the same TURN server
 * arrives from a relayed port of its own). Only for that call, only from those IPs.
 */
export class SourceFilter {
  private readonly exact: Set<string>;
  readonly anyPortFrom: string[];

  constructor(candidates: Candidate[], anyPortFrom: string[]) {
    this.exact = new Set(candidates.map((c) => `${c.address}:${c.port}`));
    this.anyPortFrom = [...new Set(anyPortFrom)];
  }

  /** IPs any port of which may send from now on (our relay, allocated after the filter was made); `anyPortFrom` is updated in place. */
  addAnyPort(ips: string[]): void {
    for (const ip of ips) if (!this.anyPortFrom.includes(ip)) this.anyPortFrom.push(ip);
  }

  allows(from: DatagramAddress): boolean {
    return this.exact.has(`${from.address}:${from.port}`) || this.anyPortFrom.includes(from.address);
  }
}
