import * as path from 'path';
import * as protobuf from 'protobufjs';
import { MAX_DATAGRAM_PAYLOAD, SCHEMAS_DIR, VideoError } from '@pinhole/core';

/** Plain-object views of schemas/video.proto (camelCase fields). */
export interface FragmentMsg {
  ssrc: number;
  seq: number;
  frameId: number;
  sourceIndex: number;
  keyframe: boolean;
  offset: number;
  total: number;
  captureMs: number;
  sendMs: number;
  retransmit: boolean;
  payload: Uint8Array;
}
export interface HelloMsg {
  ssrc: number;
  codecs: string[];
  selected: string;
  width: number;
  height: number;
  frameRate: number;
  sending: boolean;
}
export interface FeedbackMsg {
  ssrc: number;
  sourceSsrc: number;
  nack: number[];
  pli: boolean;
  estimateBps: number;
  received: number;
  lost: number;
  lossFraction: number;
  jitterMs: number;
  framesDecoded: number;
  framesDropped: number;
  freezeCount: number;
  receiveBps: number;
  sentAtMs: number;
  echoMs: number;
  echoDelayMs: number;
}
export interface ByeMsg {
  ssrc: number;
  sourceFrames: number;
  lastFrameId: number;
}
export type VideoPacket = { fragment: FragmentMsg } | { hello: HelloMsg } | { feedback: FeedbackMsg } | { bye: ByeMsg };

/** The stream's channel byte comes off the datagram payload first. */
export const MAX_VIDEO_PACKET = MAX_DATAGRAM_PAYLOAD - 1;
/** Payload bytes per fragment: the Fragment's other fields take ≤ 70 bytes, so a packet stays under MAX_VIDEO_PACKET. */
export const FRAGMENT_BYTES = 1100;
export const MAX_NACKS = 100;

let packetType: protobuf.Type | undefined;
function type(): protobuf.Type {
  if (!packetType) packetType = protobuf.loadSync(path.join(SCHEMAS_DIR, 'video.proto')).lookupType('pinhole.video.VideoPacket');
  return packetType;
}

export function encodeVideoPacket(packet: VideoPacket): Buffer {
  const t = type();
  const bytes = t.encode(t.fromObject(packet)).finish();
  if (bytes.length > MAX_VIDEO_PACKET) throw new VideoError('E_VIDEO_PACKET', `video packet is ${bytes.length} bytes, over the ${MAX_VIDEO_PACKET}-byte datagram budget`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Decodes one datagram's payload (size-capped first); anything malformed is E_VIDEO_PACKET (callers count and drop it). */
export function decodeVideoPacket(buf: Buffer): VideoPacket {
  if (buf.length > MAX_VIDEO_PACKET) throw new VideoError('E_VIDEO_PACKET', `video packet of ${buf.length} bytes exceeds ${MAX_VIDEO_PACKET}`);
  const t = type();
  let msg: protobuf.Message;
  try {
    msg = t.decode(buf);
  } catch (err) {
    throw new VideoError('E_VIDEO_PACKET', `undecodable video packet: ${(err as Error).message}`, {}, { cause: err });
  }
  const obj = t.toObject(msg, { defaults: true, longs: Number, oneofs: true }) as Record<string, unknown> & { body?: string };
  switch (obj.body) {
    case 'fragment':
      return { fragment: obj.fragment as FragmentMsg };
    case 'hello':
      return { hello: obj.hello as HelloMsg };
    case 'feedback': {
      const f = obj.feedback as FeedbackMsg;
      if (f.nack.length > MAX_NACKS) throw new VideoError('E_VIDEO_PACKET', `feedback asks for ${f.nack.length} retransmissions (at most ${MAX_NACKS})`);
      return { feedback: f };
    }
    case 'bye':
      return { bye: obj.bye as ByeMsg };
    default:
      throw new VideoError('E_VIDEO_PACKET', 'video packet has no body');
  }
}
