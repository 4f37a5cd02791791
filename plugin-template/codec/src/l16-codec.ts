import { injectable } from 'inversify';
import { CodecError, type Codec, type CodecDecoder, type CodecEncoder } from '@pinhole/core';
import { crc32 } from 'zlib';

/** The codec's name: the `contributes.codecs[0].name` of this plugin's manifest. */
export const CODEC_NAME = 'template-codec';

/**
 * L16: lossless 16-bit linear PCM (big-endian, as in RTP, RFC 3551) at 8 kHz mono, 20 ms
 * frames, with a CRC-32 of the samples appended so a damaged payload is refused instead of
 * played. Loss concealment repeats the last pitch period found in the previous frame, fading.
 */
export const CLOCK_RATE = 8000;
export const FRAME_MS = 20;
export const FRAME_SAMPLES = (CLOCK_RATE * FRAME_MS) / 1000;
/** 2 bytes per sample + 4 bytes of CRC-32. */
export const PAYLOAD_BYTES = FRAME_SAMPLES * 2 + 4;

@injectable()
export class L16Codec implements Codec {
  readonly name = CODEC_NAME;
  /** E-model figures (ITU-T G.113): no coding impairment; robustness to loss like G.711 with PLC. */
  readonly impairment = { ie: 0, bpl: 25.1, source: 'ITU-T G.113 Appendix I (waveform codec with PLC)' };
  /** Mono voice at 8 kHz in 20 ms frames; a waveform coder has no look-ahead. */
  readonly payloadType = 'voice';
  readonly channels = 1;
  readonly lookaheadMs = 0;
  readonly clockRate = CLOCK_RATE;
  readonly frameSamples = FRAME_SAMPLES;
  readonly frameMs = FRAME_MS;

  createEncoder(): CodecEncoder {
    const name = this.name;
    let disposed = false;
    return {
      encode(pcm: Int16Array): Buffer {
        if (disposed) throw disposedError(name);
        if (!(pcm instanceof Int16Array) || pcm.length !== FRAME_SAMPLES)
          throw new CodecError('E_CODEC_FRAME_SIZE', `${name} encodes frames of ${FRAME_SAMPLES} 16-bit samples (20 ms at 8 kHz mono)`, { codec: name });
        const out = Buffer.allocUnsafe(PAYLOAD_BYTES);
        for (let i = 0; i < FRAME_SAMPLES; i++) out.writeInt16BE(pcm[i], i * 2);
        out.writeUInt32BE(crc32(out.subarray(0, FRAME_SAMPLES * 2)), FRAME_SAMPLES * 2);
        return out;
      },
      dispose() {
        disposed = true;
      },
    };
  }

  createDecoder(): CodecDecoder {
    const name = this.name;
    let disposed = false;
    let last: Int16Array | undefined;
    let lost = 0;
    return {
      decode(payload: Buffer): Int16Array {
        if (disposed) throw disposedError(name);
        if (!Buffer.isBuffer(payload) || payload.length !== PAYLOAD_BYTES)
          throw new CodecError('E_CODEC_PAYLOAD', `${name} payloads are ${PAYLOAD_BYTES} bytes (one 20 ms frame and its CRC-32)`, { codec: name });
        if (crc32(payload.subarray(0, FRAME_SAMPLES * 2)) !== payload.readUInt32BE(FRAME_SAMPLES * 2))
          throw new CodecError('E_CODEC_PAYLOAD', `${name} payload fails its CRC-32: damaged in transit, drop it and conceal`, { codec: name });
        const pcm = new Int16Array(FRAME_SAMPLES);
        for (let i = 0; i < FRAME_SAMPLES; i++) pcm[i] = payload.readInt16BE(i * 2);
        last = pcm;
        lost = 0;
        return pcm;
      },
      conceal(): Int16Array {
        if (disposed) throw disposedError(name);
        const out = new Int16Array(FRAME_SAMPLES);
        if (!last) return out;
        const period = pitchPeriod(last);
        const src = last.subarray(FRAME_SAMPLES - period);
        // Full level for the first frame, then −40 % per frame: silent after ~100 ms.
        const gain = Math.max(0, 1 - 0.4 * lost);
        for (let i = 0; i < FRAME_SAMPLES; i++) out[i] = Math.round(src[i % period] * gain);
        lost++;
        return out;
      },
      dispose() {
        disposed = true;
      },
    };
  }
}

/** The lag (2.5–15 ms) where the frame best matches itself: its pitch period. */
function pitchPeriod(x: Int16Array): number {
  let best = 40;
  let bestScore = -Infinity;
  for (let lag = 20; lag <= 120; lag++) {
    let xy = 0;
    let yy = 0;
    for (let i = lag; i < x.length; i++) {
      xy += x[i] * x[i - lag];
      yy += x[i - lag] * x[i - lag];
    }
    const score = yy > 0 ? xy / Math.sqrt(yy) : 0;
    if (score > bestScore * 1.0001) {
      bestScore = score;
      best = lag;
    }
  }
  return best;
}

function disposedError(name: string): CodecError {
  return new CodecError('E_CODEC_DISPOSED', `${name} codec instance was disposed; create a new encoder or decoder`, { codec: name });
}
