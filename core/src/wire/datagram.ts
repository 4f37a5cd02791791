import { crc32 } from 'zlib';
import { WireError } from '../errors';

/**
 * The datagram header of the spec's Figure 8 as a fixed 16-byte layout (schemas/DATAGRAM.md):
 *
 *   0  u8   version/reserved  high nibble 0x5 (marker), low nibble version (1)
 *   1  u8   message id        NULL, DATA, KEEPALIVE, HANGUP, PING, PONG, HANDSHAKE_INIT, HANDSHAKE_RESP
 *   2  u16  payload size      bytes after the header; must equal the rest of the datagram
 *   4  u32  destination endpoint id (the receiver's id for this call, from the manager)
 *   8  u32  source endpoint id
 *  12  u32  CRC-32 over bytes 0–11 and the payload
 *
 * The first byte keeps Pinhole datagrams apart from STUN (first byte 0–3) and udx (0xff)
 * on the same socket. All multi-byte fields are big-endian. Version 2 (0x52) is the sealed
 * (encrypted) layout of a secure session: see sealed-datagram.ts.
 */
export const DATAGRAM_HEADER_BYTES = 16;
export const DATAGRAM_VERSION = 1;
export const DATAGRAM_MARKER = 0x50;
export const DATAGRAM_FIRST_BYTE = DATAGRAM_MARKER | DATAGRAM_VERSION;
/** Stays under the IPv6 minimum MTU path with room for IP/UDP headers and tunnels. */
export const MAX_DATAGRAM_BYTES = 1200;
export const MAX_DATAGRAM_PAYLOAD = MAX_DATAGRAM_BYTES - DATAGRAM_HEADER_BYTES;

export const DatagramType = Object.freeze({
  NULL: 0,
  DATA: 1,
  KEEPALIVE: 2,
  HANGUP: 3,
  PING: 4,
  PONG: 5,
  /** Noise handshake messages from the initiator (msg 1, and msg 3 of XX); v1 header only. */
  HANDSHAKE_INIT: 6,
  /** Noise handshake message 2 (the responder's answer); v1 header only. */
  HANDSHAKE_RESP: 7,
} as const);
export type DatagramTypeId = (typeof DatagramType)[keyof typeof DatagramType];
const TYPE_NAMES = Object.keys(DatagramType);

export interface Datagram {
  type: DatagramTypeId;
  dst: number;
  src: number;
  payload: Buffer;
}

export function datagramTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `unknown(${type})`;
}

/** Cheap demultiplexing test: could this be a Pinhole datagram (vs STUN or udx)? */
export function isPinholeDatagram(buf: Uint8Array): boolean {
  return buf.length >= DATAGRAM_HEADER_BYTES && (buf[0] & 0xf0) === DATAGRAM_MARKER;
}

/**
 * Builds a datagram in one allocation. `channel`, when given, is written as the first payload
 * byte (the stream channel of a DATA datagram, see DATAGRAM.md) so streams need no extra copy.
 */
export function encodeDatagram(type: DatagramTypeId, dst: number, src: number, payload: Uint8Array = EMPTY, channel?: number): Buffer {
  const size = payload.length + (channel === undefined ? 0 : 1);
  if (!(type in TYPE_NAMES)) throw new WireError('E_DGRAM_TYPE', `unknown datagram message id ${type}`);
  if (type === DatagramType.NULL && size !== 0) throw new WireError('E_DGRAM_NULL_PAYLOAD', 'a null datagram carries no payload (spec ¶65)');
  if (size > MAX_DATAGRAM_PAYLOAD)
    throw new WireError('E_DGRAM_TOO_LARGE', `payload of ${size} bytes exceeds ${MAX_DATAGRAM_PAYLOAD}; split it (datagrams stay ≤ ${MAX_DATAGRAM_BYTES} bytes)`);
  const out = Buffer.allocUnsafe(DATAGRAM_HEADER_BYTES + size);
  out[0] = DATAGRAM_FIRST_BYTE;
  out[1] = type;
  out.writeUInt16BE(size, 2);
  out.writeUInt32BE(dst >>> 0, 4);
  out.writeUInt32BE(src >>> 0, 8);
  if (channel === undefined) out.set(payload, DATAGRAM_HEADER_BYTES);
  else {
    out[DATAGRAM_HEADER_BYTES] = channel;
    out.set(payload, DATAGRAM_HEADER_BYTES + 1);
  }
  out.writeUInt32BE(checksum(out), 12);
  return out;
}

/** Strict decode: size, version, declared size, CRC and message id are all checked, in that order. */
export function decodeDatagram(buf: Buffer): Datagram {
  if (buf.length > MAX_DATAGRAM_BYTES)
    throw new WireError('E_DGRAM_TOO_LARGE', `datagram of ${buf.length} bytes exceeds ${MAX_DATAGRAM_BYTES}`, { size: buf.length });
  if (buf.length < DATAGRAM_HEADER_BYTES)
    throw new WireError('E_DGRAM_SHORT', `datagram of ${buf.length} bytes is shorter than the ${DATAGRAM_HEADER_BYTES}-byte header`, { size: buf.length });
  if (buf[0] !== DATAGRAM_FIRST_BYTE) {
    const marker = (buf[0] & 0xf0) === DATAGRAM_MARKER;
    throw new WireError(
      'E_DGRAM_VERSION',
      marker ? `datagram version ${buf[0] & 0x0f} is not supported (this build speaks ${DATAGRAM_VERSION}); upgrade the older peer` : `not a Pinhole datagram (first byte 0x${buf[0].toString(16)})`,
      { firstByte: buf[0] },
    );
  }
  const size = buf.readUInt16BE(2);
  if (size !== buf.length - DATAGRAM_HEADER_BYTES)
    throw new WireError('E_DGRAM_SIZE', `header says ${size} payload bytes but ${buf.length - DATAGRAM_HEADER_BYTES} arrived (truncated or padded)`, { declared: size, actual: buf.length - DATAGRAM_HEADER_BYTES });
  if (buf.readUInt32BE(12) !== checksum(buf)) throw new WireError('E_DGRAM_CRC', 'datagram CRC mismatch (corrupted in transit)');
  const type = buf[1];
  if (type >= TYPE_NAMES.length) throw new WireError('E_DGRAM_TYPE', `unknown datagram message id ${type}`, { type });
  if (type === DatagramType.NULL && size !== 0) throw new WireError('E_DGRAM_NULL_PAYLOAD', 'null datagram with a payload');
  return { type: type as DatagramTypeId, dst: buf.readUInt32BE(4), src: buf.readUInt32BE(8), payload: buf.subarray(DATAGRAM_HEADER_BYTES) };
}

const EMPTY = Buffer.alloc(0);

function checksum(buf: Buffer): number {
  return crc32(buf.subarray(DATAGRAM_HEADER_BYTES), crc32(buf.subarray(0, 12)));
}
