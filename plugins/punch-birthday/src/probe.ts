import { DATAGRAM_HEADER_BYTES, DatagramType, encodeDatagram, isPinholeDatagram, type WindowProbe, type WindowRequest } from '@pinhole/core';

/** The caller's probe (the strategy declines a caller request without one). */
export function probeOf(req: WindowRequest): WindowProbe {
  return req.probe!;
}

/** The callee's opening packet: the patent's null datagram with this call's ids. */
export function nullDatagram(req: WindowRequest): Buffer {
  return encodeDatagram(DatagramType.NULL, req.remoteEndpoint, req.localEndpoint);
}

/**
 * True if `buf` is a Pinhole datagram (any type, sealed or not) addressed to us from the peer in
 * this call: how the easy callee knows the caller got through and its spray can stop. Header
 * fields only; the datagram's owner validates the rest.
 */
export function isFromPeer(buf: Buffer, req: WindowRequest): boolean {
  return isPinholeDatagram(buf) && buf.length >= DATAGRAM_HEADER_BYTES && buf.readUInt32BE(4) === req.localEndpoint >>> 0 && buf.readUInt32BE(8) === req.remoteEndpoint >>> 0;
}
