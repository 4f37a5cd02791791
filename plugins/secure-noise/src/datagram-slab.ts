import { Buffer } from 'buffer'; // the module's, not the global Buffer: that one is an accessor, read on every use

/**
 * Memory for outgoing sealed datagrams, cut from large slabs. Every datagram gets memory never
 * handed out before (the socket may still queue an earlier datagram when the kernel buffer is
 * full, so a reused buffer could change a packet not yet sent); a slab is dropped once full and
 * collected when its last datagram is. One ArrayBuffer per ~200 datagrams instead of one per six
 * (Buffer.allocUnsafe's 8 KiB pool), and the views sodium needs are plain Uint8Arrays on it,
 * far cheaper than Buffer views.
 */
const SLAB_BYTES = 256 * 1024;

export class DatagramSlab {
  private slab = new ArrayBuffer(0);
  private at = 0;

  /** `bytes` fresh bytes (contents undefined, as Buffer.allocUnsafe). */
  take(bytes: number): Buffer {
    if (this.at + bytes > this.slab.byteLength) {
      this.slab = new ArrayBuffer(Math.max(SLAB_BYTES, bytes));
      this.at = 0;
    }
    const out = Buffer.from(this.slab, this.at, bytes);
    this.at += (bytes + 7) & ~7; // 8-byte aligned starts
    return out;
  }
}
