import type { Codec } from '@pinhole/core';
import { decodeVoicePacket, encodeVoicePacket } from './wire';

const warmed = new WeakSet<Codec>();

/**
 * Runs a codec once through encode, decode and conceal on throw-away instances, and a frame
 * through the protobuf codec. The first use of a WebAssembly codec compiles its functions on the
 * main thread, and protobufjs generates its encoder on first use (tens of ms together); doing it
 * before media flows keeps those stalls out of the jitter buffer's delay statistics.
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
      const payload = enc.encode(pcm);
      const packet = decodeVoicePacket(encodeVoicePacket({ frame: { sequence: f, timestamp: f * n, ssrc: 1, marker: f === 0, payloadType: 96, payload } }));
      if ('frame' in packet) dec.decode(Buffer.from(packet.frame.payload));
    }
    dec.conceal();
  } finally {
    enc.dispose();
    dec.dispose();
  }
}
