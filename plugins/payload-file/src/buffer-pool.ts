/**
 * Piece buffers for the sender, reused: a fresh 1 MiB allocation costs more CPU than reading
 * the piece into it (the kernel zero-fills and maps each page on first touch), so buffers
 * come back here once the receiver has acknowledged their piece — it will never be sent again.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  give(buf: Buffer): void {
    if (buf.length === this.size && this.free.length < this.keep) this.free.push(buf);
  }
}
