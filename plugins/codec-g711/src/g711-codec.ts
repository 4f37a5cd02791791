import { CodecError, type Codec, type CodecDecoder, type CodecEncoder, type CodecImpairment } from '@pinhole/core';
import { PitchRepeatConcealer } from './plc';
import { decodeTable, encodeTable, type G711Law } from './tables';

const CLOCK_RATE = 8000;
const FRAME_MS = 20;
const FRAME_SAMPLES = (CLOCK_RATE * FRAME_MS) / 1000;

/** ITU-T G.113 Appendix I: G.711 with Appendix I PLC under random loss. */
const IMPAIRMENT: CodecImpairment = { ie: 0, bpl: 25.1, source: 'ITU-T G.113 Appendix I (G.711 with PLC)' };

const tables = new Map<G711Law, { enc: Uint8Array; dec: Int16Array }>();
function lawTables(law: G711Law): { enc: Uint8Array; dec: Int16Array } {
  let t = tables.get(law);
  if (!t) tables.set(law, (t = { enc: encodeTable(law), dec: decodeTable(law) }));
  return t;
}

/** G.711 µ-law (PCMU, RTP 0) or A-law (PCMA, RTP 8): 8 kHz mono, one byte per sample, 20 ms frames. */
export class G711Codec implements Codec {
  readonly payloadType = 'voice' as const;
  readonly clockRate = CLOCK_RATE;
  readonly channels = 1;
  readonly frameMs = FRAME_MS;
  readonly frameSamples = FRAME_SAMPLES;
  readonly lookaheadMs = 0;
  readonly impairment = IMPAIRMENT;
  readonly rtpPayloadType: number;

  constructor(readonly name: G711Law) {
    this.rtpPayloadType = name === 'pcmu' ? 0 : 8;
  }

  createEncoder(): CodecEncoder {
    const { enc } = lawTables(this.name);
    const name = this.name;
    let disposed = false;
    return {
      encode(pcm: Int16Array): Buffer {
        if (disposed) throw disposedError(name);
        checkFrame(name, pcm);
        const out = Buffer.allocUnsafe(FRAME_SAMPLES);
        for (let i = 0; i < FRAME_SAMPLES; i++) out[i] = enc[pcm[i] + 32768];
        return out;
      },
      dispose() {
        disposed = true;
      },
    };
  }

  createDecoder(): CodecDecoder {
    const { dec } = lawTables(this.name);
    const name = this.name;
    const plc = new PitchRepeatConcealer(FRAME_SAMPLES, CLOCK_RATE);
    let disposed = false;
    return {
      decode(payload: Buffer): Int16Array {
        if (disposed) throw disposedError(name);
        if (!Buffer.isBuffer(payload) || payload.length !== FRAME_SAMPLES)
          throw new CodecError('E_CODEC_PAYLOAD', `${name} payload must be ${FRAME_SAMPLES} bytes (one 20 ms frame), got ${describe(payload)}`, { codec: name });
        const pcm = new Int16Array(FRAME_SAMPLES);
        for (let i = 0; i < FRAME_SAMPLES; i++) pcm[i] = dec[payload[i]];
        return plc.good(pcm);
      },
      conceal(): Int16Array {
        if (disposed) throw disposedError(name);
        return plc.conceal();
      },
      dispose() {
        disposed = true;
      },
    };
  }
}

function checkFrame(name: string, pcm: Int16Array): void {
  if (!(pcm instanceof Int16Array) || pcm.length !== FRAME_SAMPLES)
    throw new CodecError('E_CODEC_FRAME_SIZE', `${name} encodes frames of ${FRAME_SAMPLES} 16-bit samples (20 ms at 8 kHz mono), got ${describe(pcm)}`, { codec: name });
}

function describe(v: unknown): string {
  if (v instanceof Int16Array) return `${v.length} samples`;
  if (Buffer.isBuffer(v)) return `${v.length} bytes`;
  return v === null ? 'null' : typeof v;
}

function disposedError(name: string): CodecError {
  return new CodecError('E_CODEC_DISPOSED', `${name} codec instance was disposed; create a new encoder or decoder`, { codec: name });
}
