import { createHash } from 'crypto';
import type { Registration } from '../hooks/types';

export const REGISTRATION_CONTEXT = 'pinhole/register/v2';

/**
 * The bytes a registration signature covers (DESIGN.md §B): a canonical SHA-256 over the
 * context string, the manager's challenge and every field of the registration — never over
 * protobuf bytes, whose encoding is not unique. Every field is length-prefixed (u32 BE);
 * lists are sorted by their encoded bytes so order never changes the digest; the policy is
 * preceded by a presence byte.
 */
export function registrationDigest(challenge: Uint8Array, registration: Registration): Buffer {
  const h = createHash('sha256');
  const field = (b: Uint8Array | string) => {
    const bytes = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    h.update(u32(bytes.length));
    h.update(bytes);
  };
  const list = (items: Buffer[]) => {
    h.update(u32(items.length));
    for (const item of items.sort(Buffer.compare)) field(item);
  };
  field(REGISTRATION_CONTEXT);
  field(challenge);
  field(registration.peerId);
  h.update(u32(registration.protocolVersion));
  field(registration.identity?.publicKey ?? new Uint8Array(0));
  list(registration.candidates.map((c) => Buffer.concat([lp(c.kind), lp(c.address), u16(c.port)])));
  list(registration.payloadTypes.map((t) => Buffer.from(t, 'utf8')));
  list(Object.entries(registration.meta).map(([k, v]) => Buffer.concat([lp(k), lp(v)])));
  const policy = registration.policy;
  if (!policy) h.update(Buffer.of(0));
  else {
    h.update(Buffer.of(1));
    field(policy.mode);
    h.update(Buffer.of(policy.optimistic ? 1 : 0));
    list(policy.allow.map((a) => Buffer.from(a, 'utf8')));
  }
  return h.digest();
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}
function u16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(n & 0xffff, 0);
  return b;
}
function lp(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([u32(bytes.length), bytes]);
}
