import { isPromise, type Codec } from '@pinhole/core';
import { decodeVoicePacket, encodeVoicePacket } from './wire';

const warmed = new WeakSet<Codec>();
const ignore = () => undefined;

/**
 * Runs a codec once through encode, decode and conceal on throw-away instances, and a frame
 * through the protobuf codec. The first use of a WebAssembly codec compiles its functions on the
 * main thread, and protobufjs generates its encoder on first use (tens of ms together); doing it
 * before media flows keeps those stalls out of the jitter buffer's delay statistics. A codec
 * isolated in a worker compiles there, off this event loop: its warm-up frames are sent without
 * waiting for them (they run before the call's own, in order).
 */
export function warmUp(codec: Codec): void {
  if (warmed.has(codec)) return;
  warmed.add(codec);
  const enc = codec.createEncoder();
  const dec = codec.createDecoder();
  try {
    const n = codec.frameSamples * codec.channels;
    let seed = 12345;
    for (let f = 0; f < 5; f++) {
      const pcm = new Int16Array(n);
      for (let i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        pcm[i] = f < 3 ? ((seed >>> 16) & 0x3fff) - 0x2000 : Math.round(8000 * Math.sin((2 * Math.PI * 200 * (f * n + i)) / codec.clockRate));
      }
      const encoded = enc.encode(pcm);
      const payload = isPromise(encoded) ? (encoded.catch(ignore), Buffer.alloc(1)) : encoded;
      const packet = decodeVoicePacket(encodeVoicePacket({ frame: { sequence: f, timestamp: f * n, ssrc: 1, marker: f === 0, payloadType: 96, payload } }));
      if ('frame' in packet && !isPromise(encoded)) settle(dec.decode(Buffer.from(packet.frame.payload)));
    }
    settle(dec.conceal());
  } finally {
    enc.dispose();
    dec.dispose();
  }
}

function settle(v: unknown): void {
  if (isPromise(v)) v.catch(ignore);
}
