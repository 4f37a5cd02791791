import * as fs from 'fs';
import { Bitmap, MAX_PIECE_BYTES, MIN_PIECE_BYTES, Pieces } from './pieces';

/** What a part continues: only the same name, size, piece size and version resume it. */
export interface PartIdentity {
  name: string;
  size: number;
  pieceBytes: number;
  version: string;
}

const MAGIC = Buffer.from('PHPIECE1');
const MAX_IDENTITY_BYTES = 4096;
const ZERO = Buffer.alloc(32);

/**
 * The sidecar beside a partial file: its identity, then one 32-byte slot per piece holding the
 * SHA-256 the piece was verified against (zeros: not held). A slot is written in place, after
 * its piece's bytes are on disk, so the sidecar never claims a piece the part does not hold;
 * a crash just loses the pieces whose slot was not written yet (they are sent again).
 */
export class Sidecar {
  private constructor(
    private readonly fh: fs.promises.FileHandle,
    private readonly slots: number,
  ) {}

  /** Creates a fresh sidecar (fails if one exists: the caller removed the old one). */
  static async create(file: string, id: PartIdentity): Promise<Sidecar> {
    const head = header(id);
    const fh = await fs.promises.open(file, 'wx');
    try {
      await fh.write(head, 0, head.length, 0);
      await fh.truncate(head.length + new Pieces(id.size, id.pieceBytes).count * 32);
    } catch (err) {
      await fh.close();
      throw err;
    }
    return new Sidecar(fh, head.length);
  }

  /**
   * Reads a sidecar for `id`: the pieces it records (each also within `partSize`, the part's
   * length on disk) and their digests. Undefined when it is missing, unreadable or for another file.
   */
  static async load(file: string, id: PartIdentity, partSize: number): Promise<{ sidecar: Sidecar; have: Bitmap; hashes: Buffer[] } | undefined> {
    let bytes: Buffer;
    try {
      const st = await fs.promises.lstat(file);
      const pieces = new Pieces(id.size, id.pieceBytes);
      if (!st.isFile() || st.size > MAX_IDENTITY_BYTES + 12 + pieces.count * 32) return undefined;
      bytes = await fs.promises.readFile(file);
    } catch {
      return undefined;
    }
    const expected = header(id);
    if (bytes.length !== expected.length + new Pieces(id.size, id.pieceBytes).count * 32 || !bytes.subarray(0, expected.length).equals(expected)) return undefined;
    const pieces = new Pieces(id.size, id.pieceBytes);
    const have = new Bitmap(pieces.count);
    const hashes: Buffer[] = [];
    for (let i = 0; i < pieces.count; i++) {
      const slot = bytes.subarray(expected.length + i * 32, expected.length + (i + 1) * 32);
      if (slot.equals(ZERO) || pieces.offset(i) + pieces.length(i) > partSize) continue;
      have.set(i);
      hashes[i] = Buffer.from(slot);
    }
    const fh = await fs.promises.open(file, 'r+');
    return { sidecar: new Sidecar(fh, expected.length), have, hashes };
  }

  /** Records piece `index` as held, verified against `sha256`. */
  async record(index: number, sha256: Buffer): Promise<void> {
    await this.fh.write(sha256, 0, 32, this.slots + index * 32);
  }

  close(): Promise<void> {
    return this.fh.close().catch(() => undefined);
  }
}

/** Magic, identity length, identity JSON: byte-identical for the same identity. */
function header(id: PartIdentity): Buffer {
  if (id.pieceBytes < MIN_PIECE_BYTES || id.pieceBytes > MAX_PIECE_BYTES) throw new Error(`piece size ${id.pieceBytes}`);
  const json = Buffer.from(JSON.stringify({ name: id.name, size: id.size, pieceBytes: id.pieceBytes, version: id.version }));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length, 0);
  return Buffer.concat([MAGIC, len, json]);
}
