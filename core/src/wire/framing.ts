import { WireError } from '../errors';
import { MAX_CONTROL_BYTES } from './control';

/** 4-byte big-endian length, then the message. */
export const FRAME_HEADER_BYTES = 4;

export function encodeFrame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + message.length);
  out.writeUInt32BE(message.length, 0);
  out.set(message, FRAME_HEADER_BYTES);
  return out;
}

/**
 * Splits a TCP byte stream into frames. The length is checked against the cap as soon as
 * the 4 header bytes are in, so an oversize frame is refused before any of it is buffered;
 * at most cap + 4 bytes are ever held.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed = false;

  constructor(private readonly maxFrame = MAX_CONTROL_BYTES) {}

  /** Returns the complete frames in `chunk` (plus what was buffered); throws WireError on an oversize frame. */
  push(chunk: Buffer): Buffer[] {
    if (this.failed) throw new WireError('E_FRAME_STREAM_FAILED', 'frame stream already failed; close the connection');
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < FRAME_HEADER_BYTES) break;
      const head = this.peek(FRAME_HEADER_BYTES);
      const len = head.readUInt32BE(0);
      if (len > this.maxFrame) {
        this.failed = true;
        this.chunks = [];
        this.buffered = 0;
        throw new WireError('E_FRAME_TOO_LARGE', `frame of ${len} bytes announced, over the ${this.maxFrame}-byte cap; the connection is closed`, { size: len, max: this.maxFrame });
      }
      if (this.buffered < FRAME_HEADER_BYTES + len) break;
      const all = this.take(FRAME_HEADER_BYTES + len);
      frames.push(all.subarray(FRAME_HEADER_BYTES));
    }
    return frames;
  }

  /** Bytes held for an incomplete frame (for slow-loris accounting). */
  get pending(): number {
    return this.buffered;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0];
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}
