import type { Candidate, PeerRecord } from '@pinhole/core';

export const copyCandidate = (c: Candidate): Candidate => ({ address: c.address, port: c.port, kind: c.kind });

/**
 * A deep copy of a record. Nothing the store holds is ever shared with a caller, so the memory
 * backend behaves like a networked one (Redis hands out fresh objects too). An absent
 * `reflexive` stays absent rather than becoming an `undefined` key.
 */
export function copyRecord(r: PeerRecord): PeerRecord {
  const copy: PeerRecord = {
    peerId: r.peerId,
    publicKey: r.publicKey,
    candidates: r.candidates.map(copyCandidate),
    payloadTypes: [...r.payloadTypes],
    meta: { ...r.meta },
    policy: { mode: r.policy.mode, allow: [...r.policy.allow], optimistic: r.policy.optimistic },
    node: r.node,
    registeredAt: r.registeredAt,
    lastSeen: r.lastSeen,
    expiresAt: r.expiresAt,
  };
  if (r.reflexive) copy.reflexive = copyCandidate(r.reflexive);
  return copy;
}
