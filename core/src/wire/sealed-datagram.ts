import { WireError } from '../errors';
import { DATAGRAM_MARKER, DatagramType, MAX_DATAGRAM_BYTES, type DatagramTypeId } from './datagram';

/**
 * The sealed (version 2) datagram of a secure session (schemas/DATAGRAM.md). The 20-byte header
 * travels in clear so the transport can demultiplex by endpoint ids before decrypting, and is
 * the AEAD's associated data, so no bit of it can change unseen:
 *
 *   0  u8   0x52              marker 0x5, version 2
 *   1  u8   message id        DATA, KEEPALIVE, HANGUP, PING, PONG
 *   2  u16  size              bytes after the header: ciphertext ‖ 16-byte tag
 *   4  u32  destination endpoint id
 *   8  u32  source endpoint id
 *  12  u64  counter           per direction, never reused; the AEAD nonce is 4 zero bytes ‖ counter (LE)
 *
 * Big-endian like version 1. The tag replaces the CRC. Sealing and opening live in the
 * secure-noise plugin; the core only knows the layout.
 */
export const SEALED_VERSION = 2;
export const SEALED_FIRST_BYTE = DATAGRAM_MARKER | SEALED_VERSION;
export const SEALED_HEADER_BYTES = 20;
export const SEALED_TAG_BYTES = 16;
/** Plaintext bytes a sealed datagram can carry and stay ≤ MAX_DATAGRAM_BYTES (1164). */
export const MAX_SEALED_PAYLOAD = MAX_DATAGRAM_BYTES - SEALED_HEADER_BYTES - SEALED_TAG_BYTES;
/**
 * Counters stay within JavaScript's exact integers (2^53 − 1): far beyond what a session can
 * send (≈ 285 years at a million datagrams per second) and far below the u64 nonce space.
 */
export const MAX_SEALED_COUNTER = Number.MAX_SAFE_INTEGER;

/** Message ids a sealed datagram may carry: session traffic only (no NULL, no handshake). */
export const SEALED_TYPES: ReadonlySet<number> = new Set([DatagramType.DATA, DatagramType.KEEPALIVE, DatagramType.HANGUP, DatagramType.PING, DatagramType.PONG]);

export interface SealedHeader {
  type: DatagramTypeId;
  /** Bytes after the header (ciphertext ‖ tag). */
  size: number;
  dst: number;
  src: number;
  counter: number;
}

const TWO_32 = 2 ** 32;
const MAX_COUNTER_HI = Math.floor(MAX_SEALED_COUNTER / TWO_32);

/** Cheap demultiplexing test for the sealed layout (first byte 0x52, room for header and tag). */
export function isSealedDatagram(buf: Uint8Array): boolean {
  return buf.length >= SEALED_HEADER_BYTES + SEALED_TAG_BYTES && buf[0] === SEALED_FIRST_BYTE;
}

/** Writes the 20-byte header at the start of `out` (the AEAD associated data). Byte stores: it runs per datagram. */
export function writeSealedHeader(out: Uint8Array, type: DatagramTypeId, size: number, dst: number, src: number, counter: number): void {
  out[0] = SEALED_FIRST_BYTE;
  out[1] = type;
  out[2] = size >>> 8;
  out[3] = size & 0xff;
  writeU32(out, 4, dst);
  writeU32(out, 8, src);
  writeU32(out, 12, Math.floor(counter / TWO_32));
  writeU32(out, 16, counter % TWO_32);
}

/** decodeSealedHeader's error codes: what is wrong with a sealed header. */
export type SealedHeaderFault = 'E_DGRAM_TOO_LARGE' | 'E_DGRAM_SHORT' | 'E_DGRAM_VERSION' | 'E_DGRAM_SIZE' | 'E_DGRAM_TYPE' | 'E_DGRAM_COUNTER';

/**
 * The header checks of decodeSealedHeader, in its order, without throwing or allocating: the
 * receive path runs them on every datagram. Undefined when the header is well-formed.
 */
export function sealedHeaderFault(buf: Uint8Array): SealedHeaderFault | undefined {
  const n = buf.length;
  if (n > MAX_DATAGRAM_BYTES) return 'E_DGRAM_TOO_LARGE';
  if (n < SEALED_HEADER_BYTES + SEALED_TAG_BYTES) return 'E_DGRAM_SHORT';
  if (buf[0] !== SEALED_FIRST_BYTE) return 'E_DGRAM_VERSION';
  if (((buf[2] << 8) | buf[3]) !== n - SEALED_HEADER_BYTES) return 'E_DGRAM_SIZE';
  if (!SEALED_TYPES.has(buf[1])) return 'E_DGRAM_TYPE';
  if (readU32(buf, 12) > MAX_COUNTER_HI) return 'E_DGRAM_COUNTER';
  return undefined;
}

/** The counter of a well-formed sealed header (see sealedHeaderFault). */
export function sealedCounter(buf: Uint8Array): number {
  return readU32(buf, 12) * TWO_32 + readU32(buf, 16);
}

/** Big-endian u32 into any byte array (low 32 bits of `v`). */
export function writeU32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = v >>> 16;
  buf[at + 2] = v >>> 8;
  buf[at + 3] = v;
}

/** Big-endian u32 at `at` of any byte array (no Buffer view needed). */
export function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
}

/**
 * Strict header-only decode (nothing is decrypted or authenticated yet: only the ids may be used,
 * to find the session whose cipher then opens the datagram). Checks, in order: size ≤ 1200,
 * room for header and tag, version byte, declared size = actual size, message id, counter range.
 */
export function decodeSealedHeader(buf: Buffer): SealedHeader {
  const fault = sealedHeaderFault(buf);
  if (fault) throw headerError(fault, buf);
  return { type: buf[1] as DatagramTypeId, size: buf.length - SEALED_HEADER_BYTES, dst: readU32(buf, 4), src: readU32(buf, 8), counter: sealedCounter(buf) };
}

function headerError(fault: SealedHeaderFault, buf: Buffer): WireError {
  switch (fault) {
    case 'E_DGRAM_TOO_LARGE':
      return new WireError(fault, `datagram of ${buf.length} bytes exceeds ${MAX_DATAGRAM_BYTES}`, { size: buf.length });
    case 'E_DGRAM_SHORT':
      return new WireError(fault, `sealed datagram of ${buf.length} bytes is shorter than its ${SEALED_HEADER_BYTES}-byte header and ${SEALED_TAG_BYTES}-byte tag`, { size: buf.length });
    case 'E_DGRAM_VERSION':
      return new WireError(fault, `not a sealed Pinhole datagram (first byte 0x${buf[0].toString(16)})`, { firstByte: buf[0] });
    case 'E_DGRAM_SIZE': {
      const declared = buf.readUInt16BE(2);
      const actual = buf.length - SEALED_HEADER_BYTES;
      return new WireError(fault, `header says ${declared} sealed bytes but ${actual} arrived (truncated or padded)`, { declared, actual });
    }
    case 'E_DGRAM_TYPE':
      return new WireError(fault, `message id ${buf[1]} is not carried sealed`, { type: buf[1] });
    case 'E_DGRAM_COUNTER':
      return new WireError(fault, 'sealed datagram counter beyond 2^53 − 1 (never used by a sender)');
  }
}
