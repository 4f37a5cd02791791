import * as sodium from 'sodium-native';

/**
 * Keys derived from the Noise split, each for one purpose (BLAKE2b-256 keyed with the split key,
 * over a label and, for streams, the channel). The raw split keys protect nothing directly.
 * The initiator's tx is the responder's rx, so both sides derive the same key per direction.
 */
const DATAGRAM_LABEL = Buffer.from('pinhole/datagram/v2');
const STREAM_LABEL = Buffer.from('pinhole/stream/v2');
const STREAM_HASH_LABEL = Buffer.from('pinhole/stream-hash/v2');

export const KEY_BYTES = 32;

function derive(key: Uint8Array, label: Buffer, channel?: number, bytes = KEY_BYTES): Buffer {
  const input = channel === undefined ? label : Buffer.concat([label, u16(channel)]);
  const out = Buffer.alloc(bytes);
  sodium.crypto_generichash(out, input, key);
  return out;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}

export const datagramKey = (splitKey: Uint8Array) => derive(splitKey, DATAGRAM_LABEL);
export const streamKey = (splitKey: Uint8Array, channel: number) => derive(splitKey, STREAM_LABEL, channel);
/** Per-channel handshake hash: secret-stream derives each side's stream id from it. */
export const streamHash = (handshakeHash: Uint8Array, channel: number) => derive(handshakeHash, STREAM_HASH_LABEL, channel, 64);
