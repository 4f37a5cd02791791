import NoiseSecretStream = require('@hyperswarm/secret-stream');
import type { HandshakeResult, ReliableStream } from '@pinhole/core';
import { NoiseErrors } from './errors';
import { streamHash, streamKey } from './key-schedule';

/**
 * Encrypts one reliable stream (a udx stream of the session) with @hyperswarm/secret-stream
 * given a precomputed handshake: libsodium secretstream (XChaCha20-Poly1305, length-prefixed
 * messages, a random header per stream). The keys are per channel and direction, derived from
 * the session's split keys, and the handshake hash is per channel too, so bytes of one channel
 * cannot be passed off on another. A message that fails authentication destroys the stream with
 * an error; nothing unauthenticated is ever emitted. No extra round trip: each side sends its
 * stream header first, then data.
 */
export function protectStream(raw: ReliableStream, channel: number, hs: HandshakeResult): ReliableStream {
  if (!Number.isInteger(channel) || channel < 0 || channel > 0xffff) throw NoiseErrors.STREAM_CHANNEL(channel);
  const secure = new NoiseSecretStream(hs.initiator, raw, {
    handshake: {
      tx: streamKey(hs.tx, channel),
      rx: streamKey(hs.rx, channel),
      hash: streamHash(hs.handshakeHash, channel),
      publicKey: hs.localPublicKey,
      remotePublicKey: hs.remotePublicKey,
    },
    enableSend: false,
  });
  return secure as unknown as ReliableStream;
}
