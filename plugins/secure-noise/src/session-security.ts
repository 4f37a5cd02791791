import { injectable } from 'inversify';
import type { HandshakeInitiator, HandshakeResponder, HandshakeResult, InitiatorParams, ResponderParams, SessionProtection, SessionSecurity } from '@pinhole/core';
import { SealedDatagramCipher } from './datagram-cipher';
import { NoiseInitiator } from './initiator';
import { datagramKey } from './key-schedule';
import { NoiseResponder } from './responder';
import { protectStream } from './stream-wrapper';

/** SessionSecurity over Noise (IK/XX, Ed25519 static keys) and ChaCha20-Poly1305. */
@injectable()
export class NoiseSessionSecurity implements SessionSecurity {
  initiator(params: InitiatorParams): HandshakeInitiator {
    return new NoiseInitiator(params);
  }

  responder(params: ResponderParams): HandshakeResponder {
    return new NoiseResponder(params);
  }

  protect(hs: HandshakeResult): SessionProtection {
    const datagrams = new SealedDatagramCipher({
      callId: hs.callId,
      localEndpoint: hs.localEndpoint,
      remoteEndpoint: hs.remoteEndpoint,
      sendKey: datagramKey(hs.tx),
      receiveKey: datagramKey(hs.rx),
    });
    return {
      datagrams,
      protectStream: (raw, channel) => protectStream(raw, channel, hs),
      remotePublicKey: hs.remotePublicKey,
      remoteFingerprint: hs.remoteFingerprint,
      destroy: () => {
        datagrams.destroy();
        (hs.tx as Uint8Array).fill(0);
        (hs.rx as Uint8Array).fill(0);
      },
    };
  }
}
