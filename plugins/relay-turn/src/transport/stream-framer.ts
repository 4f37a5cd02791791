/**
 * Splits a TCP/TLS byte stream from a TURN server into messages: STUN (first byte 0–3, length in
 * bytes 2–3, 20-byte header) and ChannelData (first byte 0x40–0x4F, 4-byte header, padded to 4
 * bytes over streams). The size is checked from the header, before the body is buffered, so a
 * hostile server cannot make us hold more than `max` + one chunk.
 */
export class TurnStreamFramer {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly max: number) {}

  /** The complete frames in `chunk` (plus what was buffered). Throws Error with a reason on garbage. */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: Buffer[] = [];
    while (this.buf.length >= 4) {
      const first = this.buf[0];
      const len = this.buf.readUInt16BE(2);
      let total: number;
      if (first <= 3) {
        if (len % 4) throw new Error(`STUN length ${len} is not a multiple of 4`);
        total = 20 + len;
      } else if (first >= 0x40 && first <= 0x4f) {
        total = 4 + ((len + 3) & ~3);
      } else {
        throw new Error(`first byte 0x${first.toString(16)} starts neither STUN nor ChannelData`);
      }
      if (total > this.max) throw new Error(`a ${total}-byte message is over the ${this.max}-byte limit`);
      if (this.buf.length < total) break;
      frames.push(Buffer.from(this.buf.subarray(0, total)));
      this.buf = this.buf.subarray(total);
    }
    return frames;
  }
}
