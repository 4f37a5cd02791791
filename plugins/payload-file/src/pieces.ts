import { createHash } from 'crypto';
import * as fs from 'fs';

/**
 * A file as pieces: the unit a stream carries, the receiver verifies and a part resumes by.
 * Pieces are 1 MiB; a file over 512 GiB gets larger ones so that its bitmap stays ≤ 64 KiB.
 * The file's hash is the root of its hash list (schemas/payload.proto).
 */
export const DEFAULT_PIECE_BYTES = 1 << 20;
export const MIN_PIECE_BYTES = 1 << 16;
export const MAX_PIECE_BYTES = 1 << 26;
export const MAX_PIECES = 1 << 19;
const ROOT_CONTEXT = Buffer.from('pinhole-file/1');
const NO_HASH = Buffer.alloc(32);

export class Pieces {
  readonly count: number;

  constructor(
    readonly size: number,
    readonly pieceBytes: number,
  ) {
    this.count = Math.ceil(size / pieceBytes);
  }

  /** The piece size for a file of `size` bytes (the same on every sender, so the root is the file's own). */
  static forSize(size: number): Pieces {
    let piece = DEFAULT_PIECE_BYTES;
    while (Math.ceil(size / piece) > MAX_PIECES) piece *= 2;
    return new Pieces(size, piece);
  }

  offset(index: number): number {
    return index * this.pieceBytes;
  }

  length(index: number): number {
    return Math.min(this.pieceBytes, this.size - index * this.pieceBytes);
  }

  /** Bytes of the pieces whose bit is set. */
  bytesIn(have: Bitmap): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (have.has(i)) n += this.length(i);
    return n;
  }

  /** SHA-256 over the context, the geometry and every piece's digest, in order. */
  root(hashes: readonly Buffer[]): Buffer {
    const h = createHash('sha256').update(ROOT_CONTEXT);
    const geometry = Buffer.alloc(12);
    geometry.writeBigUInt64BE(BigInt(this.size), 0);
    geometry.writeUInt32BE(this.pieceBytes, 8);
    h.update(geometry);
    for (let i = 0; i < this.count; i++) h.update(hashes[i] ?? NO_HASH);
    return h.digest();
  }
}

/** One bit per piece, least significant bit first (the accept frame's `have`). */
export class Bitmap {
  readonly bytes: Buffer;

  constructor(
    readonly count: number,
    bytes?: Buffer,
  ) {
    this.bytes = Buffer.alloc(Math.ceil(count / 8));
    if (bytes) bytes.copy(this.bytes, 0, 0, this.bytes.length);
    // Bits past the last piece mean nothing: clear them.
    if (count % 8) this.bytes[this.bytes.length - 1] &= (1 << count % 8) - 1;
  }

  has(i: number): boolean {
    return (this.bytes[i >> 3] & (1 << (i & 7))) !== 0;
  }

  set(i: number): void {
    this.bytes[i >> 3] |= 1 << (i & 7);
  }

  get size(): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.has(i)) n++;
    return n;
  }
}

/** The root of a file on disk (what both ends of a transfer report as `hash`), e.g. to check a copy. */
export async function fileHash(file: string): Promise<string> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const pieces = Pieces.forSize((await fh.stat()).size);
    const buf = Buffer.allocUnsafe(pieces.pieceBytes);
    const hashes: Buffer[] = [];
    for (let i = 0; i < pieces.count; i++) {
      const n = pieces.length(i);
      const { bytesRead } = await fh.read(buf, 0, n, pieces.offset(i));
      if (bytesRead !== n) throw new Error(`${file} changed while it was hashed`);
      hashes.push(createHash('sha256').update(buf.subarray(0, n)).digest());
    }
    return pieces.root(hashes).toString('hex');
  } finally {
    await fh.close();
  }
}
