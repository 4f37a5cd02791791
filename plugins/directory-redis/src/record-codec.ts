import type { Directory, PeerRecord } from '@pinhole/core';

/**
 * A PeerRecord as a Redis hash with one-letter fields (small keys keep 100k records cheap).
 * The scripts read only `k` (the owner's public key), `l` (lastSeen) and `e` (expiresAt); the
 * rest is opaque to them.
 */
export const F = { key: 'k', candidates: 'c', reflexive: 'r', payloadTypes: 't', meta: 'm', policy: 'p', node: 'n', registeredAt: 'a', lastSeen: 'l', expiresAt: 'e' } as const;

/** Field/value pairs for HSET, in one flat list. */
export function encodeRecord(r: PeerRecord): string[] {
  const out = [
    F.key, r.publicKey,
    F.policy, JSON.stringify(r.policy),
    F.candidates, JSON.stringify(r.candidates),
    F.payloadTypes, JSON.stringify(r.payloadTypes),
    F.meta, JSON.stringify(r.meta),
    F.node, r.node,
    F.registeredAt, String(r.registeredAt),
    F.lastSeen, String(r.lastSeen),
    F.expiresAt, String(r.expiresAt),
  ];
  if (r.reflexive) out.push(F.reflexive, JSON.stringify(r.reflexive));
  return out;
}

/** From HGETALL (an object) or a script's flat reply; undefined when the hash is empty. */
export function decodeRecord(peerId: string, raw: Record<string, string> | string[] | null | undefined): PeerRecord | undefined {
  const h = Array.isArray(raw) ? pairs(raw) : raw;
  if (!h || h[F.key] === undefined) return undefined;
  const r: PeerRecord = {
    peerId,
    publicKey: h[F.key],
    candidates: JSON.parse(h[F.candidates] ?? '[]'),
    payloadTypes: JSON.parse(h[F.payloadTypes] ?? '[]'),
    meta: JSON.parse(h[F.meta] ?? '{}'),
    policy: JSON.parse(h[F.policy] ?? '{"mode":"none","allow":[],"optimistic":false}'),
    node: h[F.node] ?? '',
    registeredAt: Number(h[F.registeredAt]),
    lastSeen: Number(h[F.lastSeen]),
    expiresAt: Number(h[F.expiresAt]),
  };
  if (h[F.reflexive]) r.reflexive = JSON.parse(h[F.reflexive]);
  return r;
}

/**
 * The update script's operations: triples of (s|d, field, value). Only the three mutable
 * fields are read from the patch, so anything else smuggled into it is ignored.
 */
export function encodePatch(patch: Parameters<Directory['update']>[1]): string[] {
  const ops: string[] = [];
  if (patch.candidates) ops.push('s', F.candidates, JSON.stringify(patch.candidates));
  if (patch.node !== undefined) ops.push('s', F.node, patch.node);
  if ('reflexive' in patch) ops.push(...(patch.reflexive ? ['s', F.reflexive, JSON.stringify(patch.reflexive)] : ['d', F.reflexive, '']));
  return ops;
}

function pairs(flat: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) o[flat[i]] = flat[i + 1];
  return o;
}
