import { kindOf, MAX_CONTROL_BYTES, WireError, wireRoot, type ControlEnvelope, type ControlKind } from '@pinhole/core';
import type * as protobuf from 'protobufjs';

/** An envelope for a peer whose control connection another manager node holds (Directory.publish). */
export interface RoutedMessage {
  toPeer: string;
  fromPeer: string;
  envelope: ControlEnvelope;
  /** The node that sent it (where `fromPeer`'s connection is). */
  fromNode?: string;
}

/** The kinds one node may route to another; anything else on the bus is dropped. */
const ROUTABLE = new Set<ControlKind>(['openWindow', 'windowOpened', 'reject', 'hangup', 'error']);

let routedType: protobuf.Type | undefined;
const type = () => (routedType ??= wireRoot().lookupType('pinhole.control.Routed'));

export function encodeRouted(m: RoutedMessage): Uint8Array {
  const t = type();
  const err = t.verify(m);
  if (err) throw new WireError('E_WIRE_INVALID', `routed message does not match schemas/control.proto: ${err}`);
  return t.encode(t.fromObject(m)).finish();
}

/** Decodes and checks a message from the bus: bounded size, one routable body, peer ids present. */
export function decodeRouted(bytes: Uint8Array): RoutedMessage & { kind: ControlKind } {
  if (bytes.length > MAX_CONTROL_BYTES + 256) throw new WireError('E_FRAME_TOO_LARGE', `routed message of ${bytes.length} bytes is over the cap`);
  const t = type();
  let obj: RoutedMessage;
  try {
    obj = t.toObject(t.decode(bytes), { longs: Number, enums: Number, defaults: true, arrays: true, objects: true }) as RoutedMessage;
  } catch (err) {
    throw new WireError('E_WIRE_DECODE', `malformed routed message: ${(err as Error).message}`);
  }
  const kind = obj.envelope ? kindOf(obj.envelope) : undefined;
  if (!kind || !ROUTABLE.has(kind) || !obj.toPeer || !obj.fromPeer) throw new WireError('E_WIRE_INVALID', `routed message has no routable body (${kind ?? 'none'}) or no peer ids`);
  return { ...obj, kind };
}
