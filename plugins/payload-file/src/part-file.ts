import * as fs from 'fs';
import * as path from 'path';
import type { PayloadError } from '@pinhole/core';
import { diskError, fileError } from './errors';
import type { FileDigest } from './hash-pool';

/** Where a file lands: its final name, and the hidden partial file and sidecar until it is verified. */
export interface PartPaths {
  final: string;
  part: string;
  meta: string;
}

export function partPaths(dir: string, name: string): PartPaths {
  const part = path.join(dir, `.${name}.pinhole-part`);
  return { final: path.join(dir, name), part, meta: `${part}.json` };
}

/**
 * A file being received: bytes go to disk in order (fs.WriteStream queues) and the hash pool's
 * worker hashes them from there as each write completes, so the event loop never hashes. Only a
 * matching hash moves it to its final name; anything else either keeps it for resuming
 * (interrupted) or deletes it (bad content).
 */
export class PartFile {
  private diskBytes: number;
  private failure?: PayloadError;
  private ended?: Promise<void>;

  constructor(
    readonly paths: PartPaths,
    readonly name: string,
    /** Bytes already on disk (resumed) when the transfer started. */
    readonly offset: number,
    private readonly digest: FileDigest,
    private readonly writer: fs.WriteStream,
    private readonly onWritten: (bytesOnDisk: number) => void,
    onFailed: (err: PayloadError) => void,
    private readonly release: () => void,
  ) {
    this.diskBytes = offset;
    digest.advance(offset);
    writer.on('error', (err) => {
      if (this.failure) return;
      this.failure = diskError(err, `writing ${name} into ${path.dirname(paths.part)} failed`, { name, bytes: this.diskBytes });
      onFailed(this.failure);
    });
  }

  /** Bytes of the file now on disk (write callbacks completed). */
  get onDisk(): number {
    return this.diskBytes;
  }

  write(data: Buffer): void {
    if (this.failure) return;
    this.writer.write(data, (err) => {
      if (err || this.failure) return;
      this.diskBytes += data.length;
      this.digest.advance(this.diskBytes);
      this.onWritten(this.diskBytes);
    });
  }

  /** Flushes and closes the partial file; part and sidecar stay for a later resume. */
  keep(): Promise<void> {
    this.digest.cancel();
    return this.close().finally(this.release);
  }

  /** Closes and deletes the partial file and its sidecar (its content cannot be trusted). */
  async discard(): Promise<void> {
    this.digest.cancel();
    try {
      await this.close();
      await removeQuietly(this.paths.part, this.paths.meta);
    } finally {
      this.release();
    }
  }

  /**
   * Verifies the SHA-256 of everything written against `expected` and moves the file to its
   * final name: with `link` (fails if the name was taken meanwhile, so nothing is overwritten
   * silently) unless `overwrite`. A mismatch deletes the part (E_FILE_HASH).
   */
  async commit(expected: Buffer, overwrite: boolean): Promise<Buffer> {
    await this.close();
    if (this.failure) throw this.failure;
    let actual: Buffer;
    try {
      actual = await this.digest.finish(this.diskBytes);
    } catch (err) {
      await this.discard();
      throw fileError('E_FILE_DISK', `${this.name} could not be read back for verification (${(err as Error).message}); the partial file was deleted — send it again`, { name: this.name }, err);
    }
    if (!actual.equals(expected)) {
      await this.discard();
      throw fileError(
        'E_FILE_HASH',
        `${this.name}: received bytes hash to ${actual.toString('hex')}, not the offered ${expected.toString('hex')}; the partial file was deleted — send it again (the next try starts from zero)`,
        { name: this.name, expected: expected.toString('hex'), actual: actual.toString('hex') },
      );
    }
    try {
      await moveIntoPlace(this.paths, overwrite, this.name);
      await removeQuietly(this.paths.meta);
    } finally {
      this.release();
    }
    return actual;
  }

  private close(): Promise<void> {
    if (!this.ended)
      this.ended = new Promise<void>((resolve) => {
        if (this.writer.closed) return resolve();
        this.writer.once('close', () => resolve());
        if (!this.writer.destroyed) this.writer.end();
      });
    return this.ended;
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
