import * as path from 'path';
import * as protobuf from 'protobufjs';
import { MAX_DATAGRAM_PAYLOAD, SCHEMAS_DIR, VoiceError } from '@pinhole/core';

/** Plain-object views of schemas/voice.proto (camelCase fields). */
export interface FrameMsg {
  sequence: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payloadType: number;
  payload: Uint8Array;
}
export interface CodecOfferMsg {
  name: string;
  payloadType: number;
}
export interface HelloMsg {
  ssrc: number;
  codecs: CodecOfferMsg[];
  selected: string;
  timestampBase: number;
  sequenceBase: number;
  sending: boolean;
}
export interface ReportMsg {
  ssrc: number;
  sourceSsrc: number;
  received: number;
  lost: number;
  highestSequence: number;
  jitterMs: number;
  sentAtMs: number;
  echoMs: number;
  echoDelayMs: number;
}
export interface ByeMsg {
  ssrc: number;
  endTimestamp: number;
  finalSequence: number;
}
export type VoicePacket = { frame: FrameMsg } | { hello: HelloMsg } | { report: ReportMsg } | { bye: ByeMsg };

/** The stream's channel byte comes off the datagram payload first. */
export const MAX_VOICE_PACKET = MAX_DATAGRAM_PAYLOAD - 1;
/** RFC 3389 comfort noise. */
export const CN_PAYLOAD_TYPE = 13;

let packetType: protobuf.Type | undefined;
function type(): protobuf.Type {
  if (!packetType) packetType = protobuf.loadSync(path.join(SCHEMAS_DIR, 'voice.proto')).lookupType('pinhole.voice.VoicePacket');
  return packetType;
}

export function encodeVoicePacket(packet: VoicePacket): Buffer {
  const t = type();
  const bytes = t.encode(t.fromObject(packet)).finish();
  if (bytes.length > MAX_VOICE_PACKET)
    throw new VoiceError('E_VOICE_PACKET', `voice packet is ${bytes.length} bytes, over the ${MAX_VOICE_PACKET}-byte datagram budget; lower the codec bitrate`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Decodes one datagram's payload; anything malformed is E_VOICE_PACKET (callers count and drop it). */
export function decodeVoicePacket(buf: Buffer): VoicePacket {
  if (buf.length > MAX_VOICE_PACKET) throw new VoiceError('E_VOICE_PACKET', `voice packet of ${buf.length} bytes exceeds ${MAX_VOICE_PACKET}`);
  const t = type();
  let msg: protobuf.Message;
  try {
    msg = t.decode(buf);
  } catch (err) {
    throw new VoiceError('E_VOICE_PACKET', `undecodable voice packet: ${(err as Error).message}`, {}, { cause: err });
  }
  const obj = t.toObject(msg, { defaults: true, longs: Number, oneofs: true }) as Record<string, unknown> & { body?: string };
  const body = obj.body;
  if (body === 'frame') return { frame: obj.frame as FrameMsg };
  if (body === 'hello') return { hello: obj.hello as HelloMsg };
  if (body === 'report') return { report: obj.report as ReportMsg };
  if (body === 'bye') return { bye: obj.bye as ByeMsg };
  throw new VoiceError('E_VOICE_PACKET', 'voice packet has no body');
}
