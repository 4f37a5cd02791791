import { createHash } from 'crypto';

/**
 * Text forms of an Ed25519 identity key (DESIGN.md §B). Pure helpers, no key material:
 * - public key text: base64url of the 32 raw bytes (43 characters);
 * - fingerprint: the first 16 characters of base32 (RFC 4648, lower case, no padding) of
 *   SHA-256(raw public key), shown as `xxxx-xxxx-xxxx-xxxx` (80 bits).
 */
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const PUBLIC_KEY_TEXT = /^[A-Za-z0-9_-]{43}$/;
export const FINGERPRINT_TEXT = /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lower case, no padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  return out;
}

export function publicKeyText(publicKey: Uint8Array): string {
  return Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64url');
}

/** The 32 raw bytes of a public key text, or undefined when it is not one (43 base64url characters, canonical). */
export function parsePublicKey(text: string): Uint8Array | undefined {
  if (!PUBLIC_KEY_TEXT.test(text)) return undefined;
  const raw = Buffer.from(text, 'base64url');
  // Non-canonical trailing bits would give two texts for one key: refuse them.
  return raw.length === PUBLIC_KEY_BYTES && raw.toString('base64url') === text ? new Uint8Array(raw) : undefined;
}

export function fingerprint(publicKey: Uint8Array): string {
  const b32 = base32(createHash('sha256').update(publicKey).digest()).slice(0, 16);
  return `${b32.slice(0, 4)}-${b32.slice(4, 8)}-${b32.slice(8, 12)}-${b32.slice(12, 16)}`;
}

/**
 * A fingerprint as a user may type it (any case) in canonical form, or undefined. The dashes are
 * required: without them a fingerprint could not be told from a peer name.
 */
export function normalizeFingerprint(text: string): string | undefined {
  const lower = text.toLowerCase();
  return FINGERPRINT_TEXT.test(lower) ? lower : undefined;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
