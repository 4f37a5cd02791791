import OpusScript = require('opusscript');
import { inject, injectable } from 'inversify';
import { CodecError, type Codec, type CodecDecoder, type CodecEncoder, type CodecImpairment } from '@pinhole/core';
import { concealmentToc, opusPacketSamples } from './toc';

const CLOCK_RATE = 48000;
const FRAME_MS = 20;
const FRAME_SAMPLES = (CLOCK_RATE * FRAME_MS) / 1000;
/** Opus CTL request numbers (opus_defines.h). */
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SET_SIGNAL = 4024;
const OPUS_SIGNAL_VOICE = 3001;

/**
 * G.113 has no Opus entry, so these are stated estimates on the narrowband scale: Ie 0 (at
 * 24 kbit/s wideband Opus is at least as clean as G.711), Bpl 20 (model-based decoder PLC, like
 * G.729A's Bpl 19 in G.113 Appendix I).
 */
const IMPAIRMENT: CodecImpairment = { ie: 0, bpl: 20, source: 'estimate (no ITU-T G.113 entry for Opus)' };

/**
 * The plugin's options (contributes.configuration: their schema and their only defaults;
 * complexity 5 there because libopus as WebAssembly costs ~5× native, and 5 cuts encoding 5×
 * (bench/voice.js) for little loss on speech).
 */
export interface OpusOptions {
  bitrate: number;
  complexity: number;
}
/** Plugin-private token for the validated options. */
export const OpusOptions = Symbol('OpusOptions');

/**
 * Opus (RFC 6716), 48 kHz mono, 20 ms frames, VOIP application. libopus runs as WebAssembly
 * (opusscript), one instance per encoder or decoder since Opus state is per stream. opusscript
 * exposes no FEC decode, so loss is concealed by libopus's own PLC (see CodecDecoder.conceal).
 */
@injectable()
export class OpusCodec implements Codec {
  readonly name = 'opus';
  readonly payloadType = 'voice' as const;
  readonly clockRate = CLOCK_RATE;
  readonly channels = 1;
  readonly frameMs = FRAME_MS;
  readonly frameSamples = FRAME_SAMPLES;
  /** libopus look-ahead at 48 kHz (the decoder's 312-sample pre-skip). */
  readonly lookaheadMs = 6.5;
  readonly impairment = IMPAIRMENT;

  constructor(@inject(OpusOptions) private readonly options: OpusOptions) {}

  createEncoder(): CodecEncoder {
    const opus = new OpusScript(CLOCK_RATE, 1, OpusScript.Application.VOIP);
    try {
      opus.setBitrate(this.options.bitrate);
      opus.encoderCTL(OPUS_SET_COMPLEXITY, this.options.complexity);
      opus.encoderCTL(OPUS_SET_SIGNAL, OPUS_SIGNAL_VOICE);
    } catch (err) {
      opus.delete();
      throw new CodecError('E_CODEC_INTERNAL', `opus encoder refused its settings: ${(err as Error).message}`, { codec: 'opus' }, { cause: err });
    }
    let disposed = false;
    return {
      encode(pcm: Int16Array): Buffer {
        if (disposed) throw disposedError();
        if (!(pcm instanceof Int16Array) || pcm.length !== FRAME_SAMPLES)
          throw new CodecError('E_CODEC_FRAME_SIZE', `opus encodes frames of ${FRAME_SAMPLES} 16-bit samples (20 ms at 48 kHz mono), got ${describe(pcm)}`, { codec: 'opus' });
        try {
          return opus.encode(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength), FRAME_SAMPLES);
        } catch (err) {
          throw new CodecError('E_CODEC_INTERNAL', `opus encoder failed: ${(err as Error).message}`, { codec: 'opus' }, { cause: err });
        }
      },
      dispose() {
        if (!disposed) opus.delete();
        disposed = true;
      },
    };
  }

  createDecoder(): CodecDecoder {
    const opus = new OpusScript(CLOCK_RATE, 1, OpusScript.Application.VOIP);
    let disposed = false;
    let lastToc: number | undefined;
    const run = (packet: Buffer): Int16Array => {
      const bytes = opus.decode(packet);
      const out = new Int16Array(bytes.length >> 1);
      Buffer.from(out.buffer).set(bytes);
      return out;
    };
    return {
      decode(payload: Buffer): Int16Array {
        if (disposed) throw disposedError();
        const samples = Buffer.isBuffer(payload) ? opusPacketSamples(payload) : undefined;
        if (samples !== FRAME_SAMPLES)
          throw new CodecError('E_CODEC_PAYLOAD', `opus payload must be one 20 ms packet, got ${Buffer.isBuffer(payload) ? (samples === undefined ? `a malformed ${payload.length}-byte packet` : `${samples / 48} ms`) : describe(payload)}`, { codec: 'opus' });
        let pcm: Int16Array;
        try {
          pcm = run(payload);
        } catch (err) {
          throw new CodecError('E_CODEC_PAYLOAD', `opus could not decode a ${payload.length}-byte packet: ${(err as Error).message}`, { codec: 'opus' }, { cause: err });
        }
        if (pcm.length !== FRAME_SAMPLES) throw new CodecError('E_CODEC_PAYLOAD', `opus packet decoded to ${pcm.length} samples, not ${FRAME_SAMPLES}`, { codec: 'opus' });
        lastToc = payload[0];
        return pcm;
      },
      conceal(): Int16Array {
        if (disposed) throw disposedError();
        if (lastToc === undefined) return new Int16Array(FRAME_SAMPLES);
        try {
          const pcm = run(Buffer.from([concealmentToc(lastToc)]));
          if (pcm.length === FRAME_SAMPLES) return pcm;
        } catch {
          // fall through: silence is the safe stand-in
        }
        return new Int16Array(FRAME_SAMPLES);
      },
      dispose() {
        if (!disposed) opus.delete();
        disposed = true;
      },
    };
  }
}

function describe(v: unknown): string {
  if (v instanceof Int16Array) return `${v.length} samples`;
  if (Buffer.isBuffer(v)) return `${v.length} bytes`;
  return v === null ? 'null' : typeof v;
}

function disposedError(): CodecError {
  return new CodecError('E_CODEC_DISPOSED', 'opus codec instance was disposed; create a new encoder or decoder', { codec: 'opus' });
}
