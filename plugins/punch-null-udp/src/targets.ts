import type { Candidate } from '@pinhole/core';

const RANK = { reflexive: 0, host: 1, relay: 2 } as const;

/** Where to aim: reflexive first (behind NAT the self-reported port is wrong), then host; deduplicated. */
export function orderTargets(candidates: Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return [...candidates]
    .filter((c) => c.kind !== 'relay')
    .sort((a, b) => RANK[a.kind] - RANK[b.kind])
    .filter((c) => {
      const k = `${c.address}:${c.port}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}
