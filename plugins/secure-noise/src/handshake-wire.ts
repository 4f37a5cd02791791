import { decodeDatagram, encodeDatagram, type DatagramTypeId } from '@pinhole/core';

/**
 * The payload of HANDSHAKE_INIT / HANDSHAKE_RESP datagrams (v1 header, CRC; schemas/DATAGRAM.md):
 *
 *   0  u8   pattern   1 IK, 2 XX
 *   1  u8   message   1, 2 or 3 (the Noise message number)
 *   2  u32  handshake id, drawn by the initiator, echoed by the responder (tells XX attempts apart)
 *   6  …    the Noise message
 *
 * Nothing here is trusted: Noise authenticates the messages, these bytes only route them.
 */
export type Pattern = 'IK' | 'XX';
export const PATTERN_IDS: Record<Pattern, number> = { IK: 1, XX: 2 };
const PATTERNS: Record<number, Pattern> = { 1: 'IK', 2: 'XX' };
const FRAME_HEADER = 6;
/** Longest Noise message of IK/XX over Ed25519 with empty payloads is 96 bytes; leave room, refuse more. */
const MAX_NOISE_MESSAGE = 256;

export interface HandshakeFrame {
  type: DatagramTypeId;
  dst: number;
  src: number;
  pattern: Pattern;
  message: number;
  id: number;
  noise: Buffer;
}

export function encodeHandshake(type: DatagramTypeId, dst: number, src: number, pattern: Pattern, message: number, id: number, noise: Uint8Array): Buffer {
  const payload = Buffer.allocUnsafe(FRAME_HEADER + noise.length);
  payload[0] = PATTERN_IDS[pattern];
  payload[1] = message;
  payload.writeUInt32BE(id >>> 0, 2);
  payload.set(noise, FRAME_HEADER);
  return encodeDatagram(type, dst, src, payload);
}

/** The frame in a handshake datagram, or undefined for anything malformed (never throws). */
export function decodeHandshake(datagram: Buffer): HandshakeFrame | undefined {
  let d;
  try {
    d = decodeDatagram(datagram);
  } catch {
    return undefined;
  }
  const p = d.payload;
  if (p.length <= FRAME_HEADER || p.length > FRAME_HEADER + MAX_NOISE_MESSAGE) return undefined;
  const pattern = PATTERNS[p[0]];
  if (!pattern || p[1] < 1 || p[1] > 3) return undefined;
  return { type: d.type, dst: d.dst, src: d.src, pattern, message: p[1], id: p.readUInt32BE(2), noise: p.subarray(FRAME_HEADER) };
}

const PROLOGUE_LABEL = Buffer.from('pinhole/session/v2');

/**
 * Binds the handshake to this call: "pinhole/session/v2" ‖ u16 len ‖ callId ‖ u32 caller
 * endpoint ‖ u32 callee endpoint. A message made for another call, or with the ids swapped,
 * fails Noise's first authentication.
 */
export function prologue(callId: string, callerEndpoint: number, calleeEndpoint: number): Buffer {
  const id = Buffer.from(callId, 'utf8');
  const out = Buffer.alloc(PROLOGUE_LABEL.length + 2 + id.length + 8);
  let o = PROLOGUE_LABEL.copy(out, 0);
  o = out.writeUInt16BE(id.length & 0xffff, o);
  o += id.copy(out, o);
  o = out.writeUInt32BE(callerEndpoint >>> 0, o);
  out.writeUInt32BE(calleeEndpoint >>> 0, o);
  return out;
}
