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

/** Writes the 20-byte header at the start of `out` (the AEAD associated data). */
export function writeSealedHeader(out: Buffer, type: DatagramTypeId, size: number, dst: number, src: number, counter: number): void {
  out[0] = SEALED_FIRST_BYTE;
  out[1] = type;
  out.writeUInt16BE(size, 2);
  out.writeUInt32BE(dst >>> 0, 4);
  out.writeUInt32BE(src >>> 0, 8);
  out.writeUInt32BE(Math.floor(counter / TWO_32), 12);
  out.writeUInt32BE(counter % TWO_32, 16);
}

/**
 * Strict header-only decode (nothing is decrypted or authenticated yet: only the ids may be used,
 * to find the session whose cipher then opens the datagram). Checks, in order: size ≤ 1200,
 * room for header and tag, version byte, declared size = actual size, message id, counter range.
 */
export function decodeSealedHeader(buf: Buffer): SealedHeader {
  if (buf.length > MAX_DATAGRAM_BYTES)
    throw new WireError('E_DGRAM_TOO_LARGE', `datagram of ${buf.length} bytes exceeds ${MAX_DATAGRAM_BYTES}`, { size: buf.length });
  if (buf.length < SEALED_HEADER_BYTES + SEALED_TAG_BYTES)
    throw new WireError('E_DGRAM_SHORT', `sealed datagram of ${buf.length} bytes is shorter than its ${SEALED_HEADER_BYTES}-byte header and ${SEALED_TAG_BYTES}-byte tag`, { size: buf.length });
  if (buf[0] !== SEALED_FIRST_BYTE) throw new WireError('E_DGRAM_VERSION', `not a sealed Pinhole datagram (first byte 0x${buf[0].toString(16)})`, { firstByte: buf[0] });
  const size = buf.readUInt16BE(2);
  if (size !== buf.length - SEALED_HEADER_BYTES)
    throw new WireError('E_DGRAM_SIZE', `header says ${size} sealed bytes but ${buf.length - SEALED_HEADER_BYTES} arrived (truncated or padded)`, { declared: size, actual: buf.length - SEALED_HEADER_BYTES });
  const type = buf[1];
  if (!SEALED_TYPES.has(type)) throw new WireError('E_DGRAM_TYPE', `message id ${type} is not carried sealed`, { type });
  const hi = buf.readUInt32BE(12);
  if (hi > MAX_COUNTER_HI) throw new WireError('E_DGRAM_COUNTER', 'sealed datagram counter beyond 2^53 − 1 (never used by a sender)');
  return { type: type as DatagramTypeId, size, dst: buf.readUInt32BE(4), src: buf.readUInt32BE(8), counter: hi * TWO_32 + buf.readUInt32BE(16) };
}
