import * as path from 'path';
import * as protobuf from 'protobufjs';
import { encodeFrame, FRAME_HEADER_BYTES, SCHEMAS_DIR, WireError } from '@pinhole/core';

/**
 * The file transfer's frames (schemas/payload.proto, FileFrame), decoded and validated.
 * Every frame is length-prefixed with the core's framing and size-capped before decoding.
 */
export type FileFrame =
  | { kind: 'offer'; id: number; name: string; size: number; sha256: Buffer }
  | { kind: 'accept'; id: number; offset: number }
  | { kind: 'refuse'; id: number; code: string; message: string }
  | { kind: 'chunk'; data: Buffer }
  | { kind: 'ack'; id: number; bytes: number }
  | { kind: 'done'; id: number; size: number; sha256: Buffer }
  | { kind: 'error'; id: number; code: string; message: string }
  | { kind: 'cancel'; id: number; code: string; message: string };
export type FileFrameKind = FileFrame['kind'];
export type ControlFrame = Exclude<FileFrame, { kind: 'chunk' }>;

/** Largest chunk payload; a frame announcing more than this plus its few header bytes is refused unread. */
export const MAX_CHUNK_BYTES = 65536;
export const MAX_FILE_FRAME = MAX_CHUNK_BYTES + 16;
const MAX_TEXT = 2048;
const MAX_OFFER_NAME_BYTES = 1024;
/** Field 4 (chunk), wire type 2 (length-delimited). */
const CHUNK_TAG = (4 << 3) | 2;

let frameType: protobuf.Type | undefined;
function type(): protobuf.Type {
  if (!frameType) frameType = protobuf.loadSync(path.join(SCHEMAS_DIR, 'payload.proto')).lookupType('pinhole.payload.FileFrame');
  return frameType;
}

/** Encodes a control frame (everything but chunks) with its length prefix. */
export function encodeFileFrame(frame: ControlFrame): Buffer {
  const { kind, ...body } = frame;
  if ('message' in body && body.message.length > MAX_TEXT) body.message = body.message.slice(0, MAX_TEXT - 1) + '…';
  const t = type();
  const obj = { [kind]: body };
  const err = t.verify(obj);
  if (err) throw new WireError('E_WIRE_INVALID', `file frame does not match schemas/payload.proto: ${err}`);
  return encodeFrame(t.encode(t.fromObject(obj)).finish());
}

/**
 * The length prefix and protobuf header of a chunk frame carrying `n` bytes: the chunk itself
 * is written after it as is, so file bytes are never copied into a protobuf buffer. The result
 * is byte-for-byte what protobufjs encodes for `{ chunk }` (tested).
 */
export function chunkFrameHeader(n: number): Buffer {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CHUNK_BYTES) throw new WireError('E_WIRE_INVALID', `chunk of ${n} bytes; chunks hold 1–${MAX_CHUNK_BYTES} bytes`);
  const varint = n < 0x80 ? [n] : n < 0x4000 ? [(n & 0x7f) | 0x80, n >>> 7] : [(n & 0x7f) | 0x80, ((n >>> 7) & 0x7f) | 0x80, n >>> 14];
  const head = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 1 + varint.length);
  head.writeUInt32BE(1 + varint.length + n, 0);
  head[FRAME_HEADER_BYTES] = CHUNK_TAG;
  head.set(varint, FRAME_HEADER_BYTES + 1);
  return head;
}

const invalid = (what: string, frame: Record<string, unknown>) =>
  new WireError('E_WIRE_INVALID', `file frame from the peer is invalid: ${what}; the peer runs an incompatible or broken payload-file — update both sides`, { frame: frame.body });

function id(v: unknown, obj: Record<string, unknown>, allowZero = false): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < (allowZero ? 0 : 1)) throw invalid(`transfer id ${String(v)}`, obj);
  return v;
}
function count(v: unknown, what: string, obj: Record<string, unknown>): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalid(`${what} ${String(v)} is not a byte count below 2^53`, obj);
  return v;
}
function digest(v: unknown, obj: Record<string, unknown>): Buffer {
  if (!Buffer.isBuffer(v) || v.length !== 32) throw invalid('sha256 is not 32 bytes', obj);
  return v;
}
function code(v: unknown, obj: Record<string, unknown>): string {
  if (typeof v !== 'string' || !/^E_[A-Z0-9_]{1,40}$/.test(v)) throw invalid(`error code ${JSON.stringify(v)}`, obj);
  return v;
}
function text(v: unknown, obj: Record<string, unknown>): string {
  if (typeof v !== 'string' || v.length > MAX_TEXT) throw invalid(`message longer than ${MAX_TEXT} characters`, obj);
  return v;
}

/**
 * Decodes one frame (without its length prefix) and validates every field: ids, byte counts
 * below 2^53, 32-byte digests, error codes, text lengths. Anything else is a WireError.
 */
export function decodeFileFrame(bytes: Buffer): FileFrame {
  if (bytes.length > MAX_FILE_FRAME)
    throw new WireError('E_FRAME_TOO_LARGE', `file frame of ${bytes.length} bytes, over the ${MAX_FILE_FRAME}-byte cap`, { size: bytes.length, max: MAX_FILE_FRAME });
  const t = type();
  let o: Record<string, unknown>;
  try {
    o = t.toObject(t.decode(bytes), { longs: Number, oneofs: true, defaults: true }) as Record<string, unknown>;
  } catch (err) {
    throw new WireError('E_WIRE_DECODE', `malformed file frame from the peer (${(err as Error).message}); the peer is not speaking payload-file — check both sides run the same version`, { size: bytes.length });
  }
  const kind = o.body as FileFrameKind | undefined;
  const b = (kind ? o[kind] : undefined) as Record<string, unknown> & Buffer;
  switch (kind) {
    case 'offer': {
      if (typeof b.name !== 'string' || Buffer.byteLength(b.name) > MAX_OFFER_NAME_BYTES) throw invalid('offer name missing or too long', o);
      return { kind, id: id(b.id, o), name: b.name, size: count(b.size, 'size', o), sha256: digest(b.sha256, o) };
    }
    case 'accept':
      return { kind, id: id(b.id, o), offset: count(b.offset, 'offset', o) };
    case 'refuse':
    case 'cancel':
      return { kind, id: id(b.id, o), code: code(b.code, o), message: text(b.message, o) };
    case 'error':
      return { kind, id: id(b.id, o, true), code: code(b.code, o), message: text(b.message, o) };
    case 'chunk':
      if (!Buffer.isBuffer(b) || b.length === 0 || b.length > MAX_CHUNK_BYTES) throw invalid(`chunk of ${Buffer.isBuffer(b) ? b.length : '?'} bytes`, o);
      return { kind, data: b };
    case 'ack':
      return { kind, id: id(b.id, o), bytes: count(b.bytes, 'acknowledged bytes', o) };
    case 'done':
      return { kind, id: id(b.id, o), size: count(b.size, 'size', o), sha256: digest(b.sha256, o) };
    default:
      throw new WireError('E_WIRE_EMPTY', 'file frame has no known body (the peer speaks a newer protocol?); update both sides', { size: bytes.length });
  }
}
