import * as fs from 'fs';
import * as path from 'path';
import { diskError, fileError } from './errors';
import type { Bitmap, Pieces } from './pieces';
import type { Sidecar } from './sidecar';

/** Where a file lands: its final name, and the hidden partial file and sidecar until it is verified. */
export interface PartPaths {
  final: string;
  part: string;
  meta: string;
}

export function partPaths(dir: string, name: string): PartPaths {
  const part = path.join(dir, `.${name}.pinhole-part`);
  return { final: path.join(dir, name), part, meta: `${part}.pieces` };
}

/**
 * A file being received piece by piece, in any order: each verified piece is written at its
 * offset with one positional gather-write of the slices it arrived in, then recorded in the
 * sidecar. Only a matching root moves it to its final name; anything else either keeps it for
 * resuming (interrupted) or deletes it (bad content).
 */
export class PartFile {
  /** Digests of the held pieces (resumed and written), by index. */
  readonly hashes: Buffer[];
  private readonly writes = new Set<Promise<void>>();
  private closed?: Promise<void>;

  constructor(
    readonly paths: PartPaths,
    readonly name: string,
    readonly pieces: Pieces,
    /** Pieces held when the transfer started (resumed) and written since. */
    readonly have: Bitmap,
    hashes: Buffer[],
    private readonly fh: fs.promises.FileHandle,
    private readonly sidecar: Sidecar,
    private readonly release: () => void,
  ) {
    this.hashes = hashes;
  }

  /**
   * Writes piece `index` (already verified against `sha256`) and then records it. Resolves once
   * both are on disk; rejects with E_FILE_DISK / E_FILE_INBOX (the part stays resumable).
   */
  write(index: number, parts: Buffer[], sha256: Buffer): Promise<void> {
    const job = (async () => {
      try {
        let at = this.pieces.offset(index);
        // writev takes at most IOV_MAX buffers per call on some systems; udx slices are ~1.2 KB, so ≤ 900 per MiB.
        for (let i = 0; i < parts.length; i += 1024) {
          const batch = parts.slice(i, i + 1024);
          const { bytesWritten } = await this.fh.writev(batch, at);
          const want = batch.reduce((n, b) => n + b.length, 0);
          if (bytesWritten !== want) await this.writeRest(Buffer.concat(batch).subarray(bytesWritten), at + bytesWritten);
          at += want;
        }
        await this.sidecar.record(index, sha256);
      } catch (err) {
        throw diskError(err as NodeJS.ErrnoException, `writing ${this.name} into ${path.dirname(this.paths.part)} failed`, { name: this.name });
      }
      this.have.set(index);
      this.hashes[index] = sha256;
    })();
    this.writes.add(job);
    void job.catch(() => undefined).then(() => this.writes.delete(job));
    return job;
  }

  /** Waits for writes in flight, then closes the part and sidecar; both stay for a later resume. */
  keep(): Promise<void> {
    return this.close().finally(this.release);
  }

  /** Closes and deletes the partial file and its sidecar (its content cannot be trusted). */
  async discard(): Promise<void> {
    try {
      await this.close();
      await removeQuietly(this.paths.part, this.paths.meta);
    } finally {
      this.release();
    }
  }

  /**
   * Every piece is held: checks the root of their digests against `expected` and moves the file
   * to its final name with `link` (fails if the name was taken meanwhile, so nothing is
   * overwritten silently) unless `overwrite`. A mismatch deletes the part (E_FILE_HASH).
   */
  async commit(expected: Buffer, overwrite: boolean): Promise<Buffer> {
    await Promise.all(this.writes);
    const actual = this.pieces.root(this.hashes);
    if (!actual.equals(expected)) {
      await this.discard();
      throw fileError(
        'E_FILE_HASH',
        `${this.name}: the pieces received hash to ${actual.toString('hex')}, not the sender's ${expected.toString('hex')} (the file changed since the part was started?); the partial file was deleted — send it again (the next try starts from zero)`,
        { name: this.name, expected: expected.toString('hex'), actual: actual.toString('hex') },
      );
    }
    try {
      await this.fh.truncate(this.pieces.size);
      await this.close();
      await moveIntoPlace(this.paths, overwrite, this.name);
      await removeQuietly(this.paths.meta);
    } finally {
      this.release();
    }
    return actual;
  }

  private async writeRest(rest: Buffer, at: number): Promise<void> {
    while (rest.length > 0) {
      const { bytesWritten } = await this.fh.write(rest, 0, rest.length, at);
      rest = rest.subarray(bytesWritten);
      at += bytesWritten;
    }
  }

  private close(): Promise<void> {
    if (!this.closed)
      this.closed = (async () => {
        await Promise.all([...this.writes].map((w) => w.catch(() => undefined)));
        await this.fh.close().catch(() => undefined);
        await this.sidecar.close();
      })();
    return this.closed;
  }
}

async function moveIntoPlace(p: PartPaths, overwrite: boolean, name: string): Promise<void> {
  const exists = () =>
    fileError('E_FILE_EXISTS', `${name} appeared in ${path.dirname(p.final)} while it was being received; the verified copy is kept as ${path.basename(p.part)} — move the other file away and send again to finish instantly`, { name });
  if (overwrite) return fs.promises.rename(p.part, p.final);
  try {
    await fs.promises.link(p.part, p.final);
    await fs.promises.unlink(p.part);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw exists();
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK' && code !== 'ENOSYS') throw diskError(err as NodeJS.ErrnoException, `moving ${name} into place failed`, { name });
    // No hard links on this file system: check, then rename (a narrow race instead of none).
    if (await present(p.final)) throw exists();
    await fs.promises.rename(p.part, p.final);
  }
}

export async function present(file: string): Promise<boolean> {
  try {
    await fs.promises.lstat(file);
    return true;
  } catch {
    return false;
  }
}

export async function removeQuietly(...files: string[]): Promise<void> {
  for (const f of files) await fs.promises.rm(f, { force: true });
}
