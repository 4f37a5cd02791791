import * as path from 'path';
import { Worker } from 'worker_threads';
import type { HashReply, HashRequest } from './hash-worker';
import { deferred, type Deferred } from './timing';

const ADVANCE_STEP = 1 << 20;

/** The SHA-256 of a file on disk, hashed on the pool's worker as its bytes become available. */
export interface FileDigest {
  /** Bytes [0, n) of the file are on disk and may be hashed now. */
  advance(n: number): void;
  /** The digest of bytes [0, size), once they are on disk and hashed. */
  finish(size: number): Promise<Buffer>;
  cancel(): void;
}

/**
 * One worker thread (started on first use, never keeping the process alive) that hashes files
 * for every transfer of a payload type: the sender's source before its offer, the receiver's
 * part file (resumed prefix included) while it is being written.
 */
export class HashPool {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Deferred<Buffer>>();

  digest(file: string): FileDigest {
    const id = this.nextId++;
    const result = deferred<Buffer>();
    this.pending.set(id, result);
    this.post({ op: 'open', id, file });
    let finished = false;
    let told = 0;
    return {
      // One message per ADVANCE_STEP, not per write: posting is not free on the event loop.
      advance: (n) => {
        if (finished || n - told < ADVANCE_STEP) return;
        told = n;
        this.post({ op: 'advance', id, to: n });
      },
      finish: (size) => {
        finished = true;
        this.post({ op: 'finish', id, size });
        return result.promise;
      },
      cancel: () => {
        if (!this.pending.delete(id)) return;
        finished = true;
        this.post({ op: 'cancel', id });
        result.reject(new Error('hash cancelled'));
      },
    };
  }

  /** SHA-256 of the first `size` bytes of a file. */
  hashFile(file: string, size: number): Promise<Buffer> {
    return this.digest(file).finish(size);
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.failAll(new Error('hashing stopped'));
    await w?.terminate();
  }

  private post(m: HashRequest): void {
    this.start().postMessage(m);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(path.join(__dirname, 'hash-worker.js'));
    w.unref();
    w.on('message', (m: HashReply) => {
      const d = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.op === 'done') d?.resolve(Buffer.from(m.digest.buffer, m.digest.byteOffset, m.digest.byteLength));
      else d?.reject(new Error(m.message));
    });
    w.on('error', (err) => {
      if (this.worker === w) this.worker = undefined;
      this.failAll(err);
    });
    this.worker = w;
    return w;
  }

  private failAll(err: Error): void {
    for (const d of this.pending.values()) d.reject(err);
    this.pending.clear();
  }
}
