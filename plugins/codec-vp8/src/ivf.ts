import { CodecError } from '@pinhole/core';

/**
 * IVF, libvpx's trivial container (what ffmpeg reads and writes for VP8 on a pipe): a 32-byte
 * file header ('DKIF', version 0, header size 32, fourcc, width, height, time base, frame
 * count), then per frame a 12-byte header (u32 size, u64 pts, little-endian) and the frame.
 */
export const IVF_HEADER_BYTES = 32;
export const IVF_FRAME_HEADER_BYTES = 12;

export function ivfFileHeader(width: number, height: number, rate: number, scale: number): Buffer {
  const b = Buffer.alloc(IVF_HEADER_BYTES);
  b.write('DKIF', 0, 'latin1');
  b.writeUInt16LE(0, 4);
  b.writeUInt16LE(IVF_HEADER_BYTES, 6);
  b.write('VP80', 8, 'latin1');
  b.writeUInt16LE(width, 12);
  b.writeUInt16LE(height, 14);
  b.writeUInt32LE(rate, 16);
  b.writeUInt32LE(scale, 20);
  return b;
}

export function ivfFrameHeader(size: number, pts: number): Buffer {
  const b = Buffer.alloc(IVF_FRAME_HEADER_BYTES);
  b.writeUInt32LE(size, 0);
  b.writeBigUInt64LE(BigInt(pts), 4);
  return b;
}

/** Splits an IVF byte stream into frames; a frame over `maxFrame` bytes means the stream is not IVF. */
export class IvfParser {
  private buf: Buffer = Buffer.alloc(0);
  private headerSeen = false;

  constructor(private readonly maxFrame: number) {}

  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Buffer[] = [];
    if (!this.headerSeen) {
      if (this.buf.length < IVF_HEADER_BYTES) return out;
      if (this.buf.toString('latin1', 0, 4) !== 'DKIF') throw new CodecError('E_CODEC_INTERNAL', 'ffmpeg did not write IVF (no DKIF signature)', { codec: 'vp8' });
      this.buf = this.buf.subarray(this.buf.readUInt16LE(6));
      this.headerSeen = true;
    }
    while (this.buf.length >= IVF_FRAME_HEADER_BYTES) {
      const size = this.buf.readUInt32LE(0);
      if (size > this.maxFrame) throw new CodecError('E_CODEC_INTERNAL', `ffmpeg wrote an IVF frame of ${size} bytes (cap ${this.maxFrame})`, { codec: 'vp8' });
      if (this.buf.length < IVF_FRAME_HEADER_BYTES + size) break;
      out.push(Buffer.from(this.buf.subarray(IVF_FRAME_HEADER_BYTES, IVF_FRAME_HEADER_BYTES + size)));
      this.buf = this.buf.subarray(IVF_FRAME_HEADER_BYTES + size);
    }
    return out;
  }
}
