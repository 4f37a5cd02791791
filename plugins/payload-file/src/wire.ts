import * as path from 'path';
import * as protobuf from 'protobufjs';
import { encodeFrame, SCHEMAS_DIR, WireError } from '@pinhole/core';
import { MAX_PIECE_BYTES, MAX_PIECES, MIN_PIECE_BYTES } from './pieces';

/**
 * The file transfer's frames (schemas/payload.proto, FileFrame), decoded and validated.
 * Every frame is length-prefixed with the core's framing and size-capped before decoding.
 */
export type FileFrame =
  | { kind: 'offer'; id: number; name: string; size: number; pieceBytes: number; version: string }
  | { kind: 'accept'; id: number; have: Buffer; streams: number }
  | { kind: 'refuse'; id: number; code: string; message: string }
  | { kind: 'piece'; id: number; index: number; size: number; sha256: Buffer }
  | { kind: 'ack'; id: number; bytes: number; piece: number }
  | { kind: 'end'; id: number; root: Buffer }
  | { kind: 'done'; id: number; size: number; root: Buffer }
  | { kind: 'error'; id: number; code: string; message: string }
  | { kind: 'cancel'; id: number; code: string; message: string };
export type FileFrameKind = FileFrame['kind'];
export type PieceFrame = Extract<FileFrame, { kind: 'piece' }>;
export type ControlFrame = Exclude<FileFrame, PieceFrame>;

/** Largest frame: an accept whose bitmap covers MAX_PIECES, plus its few header bytes. */
export const MAX_FILE_FRAME = MAX_PIECES / 8 + 64;
/** Most data channels a transfer may use (the accept's `streams`). */
export const MAX_STREAMS = 16;
const MAX_TEXT = 2048;
const MAX_OFFER_NAME_BYTES = 1024;
const MAX_VERSION = 64;

let frameType: protobuf.Type | undefined;
function type(): protobuf.Type {
  if (!frameType) frameType = protobuf.loadSync(path.join(SCHEMAS_DIR, 'payload.proto')).lookupType('pinhole.payload.FileFrame');
  return frameType;
}

/** Encodes a frame with its length prefix. */
export function encodeFileFrame(frame: FileFrame): Buffer {
  const { kind, ...body } = frame;
  if ('message' in body && body.message.length > MAX_TEXT) body.message = body.message.slice(0, MAX_TEXT - 1) + '…';
  const t = type();
  const obj = { [kind]: body };
  const err = t.verify(obj);
  if (err) throw new WireError('E_WIRE_INVALID', `file frame does not match schemas/payload.proto: ${err}`);
  return encodeFrame(t.encode(t.fromObject(obj)).finish());
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
function digest(v: unknown, what: string, obj: Record<string, unknown>): Buffer {
  if (!Buffer.isBuffer(v) || v.length !== 32) throw invalid(`${what} is not 32 bytes`, obj);
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
function pieceBytes(v: unknown, obj: Record<string, unknown>): number {
  if (typeof v !== 'number' || v < MIN_PIECE_BYTES || v > MAX_PIECE_BYTES || (v & (v - 1)) !== 0) throw invalid(`piece size ${String(v)} (a power of two from ${MIN_PIECE_BYTES} to ${MAX_PIECE_BYTES})`, obj);
  return v;
}

/**
 * Decodes one frame (without its length prefix) and validates every field: ids, byte counts
 * below 2^53, 32-byte digests, piece geometry, error codes, text lengths. Anything else is a WireError.
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
  const b = (kind ? o[kind] : undefined) as Record<string, unknown>;
  switch (kind) {
    case 'offer': {
      if (typeof b.name !== 'string' || Buffer.byteLength(b.name) > MAX_OFFER_NAME_BYTES) throw invalid('offer name missing or too long', o);
      if (typeof b.version !== 'string' || b.version.length > MAX_VERSION) throw invalid('offer version missing or too long', o);
      const size = count(b.size, 'size', o);
      const piece = pieceBytes(b.pieceBytes, o);
      if (Math.ceil(size / piece) > MAX_PIECES) throw invalid(`${size} bytes in pieces of ${piece} is over ${MAX_PIECES} pieces`, o);
      return { kind, id: id(b.id, o), name: b.name, size, pieceBytes: piece, version: b.version };
    }
    case 'accept': {
      const streams = b.streams;
      if (!Buffer.isBuffer(b.have)) throw invalid('accept without a piece bitmap', o);
      if (typeof streams !== 'number' || streams < 1 || streams > MAX_STREAMS) throw invalid(`accept for ${String(streams)} streams (1–${MAX_STREAMS})`, o);
      return { kind, id: id(b.id, o), have: b.have, streams };
    }
    case 'refuse':
    case 'cancel':
      return { kind, id: id(b.id, o), code: code(b.code, o), message: text(b.message, o) };
    case 'error':
      return { kind, id: id(b.id, o, true), code: code(b.code, o), message: text(b.message, o) };
    case 'piece': {
      const size = b.size;
      if (typeof size !== 'number' || size < 1 || size > MAX_PIECE_BYTES) throw invalid(`piece of ${String(size)} bytes`, o);
      if (typeof b.index !== 'number' || b.index >= MAX_PIECES) throw invalid(`piece index ${String(b.index)}`, o);
      return { kind, id: id(b.id, o), index: b.index, size, sha256: digest(b.sha256, 'piece sha256', o) };
    }
    case 'ack':
      if (typeof b.piece !== 'number' || b.piece >= MAX_PIECES) throw invalid(`ack for piece ${String(b.piece)}`, o);
      return { kind, id: id(b.id, o), bytes: count(b.bytes, 'acknowledged bytes', o), piece: b.piece };
    case 'end':
      return { kind, id: id(b.id, o), root: digest(b.root, 'root', o) };
    case 'done':
      return { kind, id: id(b.id, o), size: count(b.size, 'size', o), root: digest(b.root, 'root', o) };
    default:
      throw new WireError('E_WIRE_EMPTY', 'file frame has no known body (the peer speaks a newer protocol?); update both sides', { size: bytes.length });
  }
}
