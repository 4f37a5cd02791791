import * as protobuf from 'protobufjs';
import { encodeFrame, WireError } from '@pinhole/core';

/** The frames of one text-message stream (protobuf, length-prefixed with the core's framing). */
export type TextFrame =
  | { kind: 'offer'; id: number; size: number }
  | { kind: 'accept'; id: number }
  | { kind: 'refuse'; id: number; code: string; message: string }
  | { kind: 'chunk'; data: Buffer }
  | { kind: 'done'; id: number }
  | { kind: 'received'; id: number };

const KINDS = ['offer', 'accept', 'refuse', 'chunk', 'done', 'received'] as const;

/** Defined in code to keep the template one folder; a bigger plugin keeps a .proto file. */
const Frame = protobuf.Root.fromJSON({
  nested: {
    Id: { fields: { id: { type: 'uint32', id: 1 } } },
    Offer: { fields: { id: { type: 'uint32', id: 1 }, size: { type: 'uint32', id: 2 } } },
    Refuse: { fields: { id: { type: 'uint32', id: 1 }, code: { type: 'string', id: 2 }, message: { type: 'string', id: 3 } } },
    Frame: {
      oneofs: { kind: { oneof: [...KINDS] } },
      fields: {
        offer: { type: 'Offer', id: 1 },
        accept: { type: 'Id', id: 2 },
        refuse: { type: 'Refuse', id: 3 },
        chunk: { type: 'bytes', id: 4 },
        done: { type: 'Id', id: 5 },
        received: { type: 'Id', id: 6 },
      },
    },
  },
}).lookupType('Frame');

/** Largest chunk of text per frame; a frame announcing more than MAX_FRAME is refused unread. */
export const CHUNK_BYTES = 64 * 1024;
export const MAX_FRAME = CHUNK_BYTES + 64;

export function encodeTextFrame(frame: TextFrame): Buffer {
  const { kind, ...body } = frame;
  const value = kind === 'chunk' ? (body as { data: Buffer }).data : body;
  return encodeFrame(Frame.encode(Frame.fromObject({ [kind]: value })).finish());
}

export function decodeTextFrame(bytes: Buffer): TextFrame {
  let msg: Record<string, unknown>;
  try {
    msg = Frame.toObject(Frame.decode(bytes), { longs: Number, defaults: true, oneofs: true }) as Record<string, unknown>;
  } catch (err) {
    throw new WireError('E_WIRE_DECODE', `not a text-message frame: ${(err as Error).message}; the stream is out of step and is closed`);
  }
  const kind = msg.kind as TextFrame['kind'] | undefined;
  if (!kind || !KINDS.includes(kind)) throw new WireError('E_WIRE_EMPTY', 'a text-message frame with no known content; the stream is out of step and is closed');
  if (kind === 'chunk') return { kind, data: Buffer.from(msg.chunk as Uint8Array) };
  return { kind, ...(msg[kind] as object) } as TextFrame;
}
