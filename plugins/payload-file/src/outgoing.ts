import * as fs from 'fs';
import type { PinholeError } from '@pinhole/core';
import type { FileSent, PayloadProgress } from '@pinhole/core';
import { PayloadError } from '@pinhole/core';
import { fileError } from './errors';
import type { FrameChannel } from './frame-channel';
import type { FileOptions } from './options';
import { deferred, secondsSince, Watchdog } from './timing';

const READ_AHEAD_BYTES = 1 << 20;

/** The file being offered, already checked and hashed. */
export interface SourceFile {
  path: string;
  name: string;
  size: number;
  sha256: Buffer;
  hashSeconds: number;
}

/**
 * Sends one file: offer, wait for accept (with the offset the receiver already holds), stream
 * the rest from disk in chunks (never more than `windowBytes` ahead of what the receiver has
 * written), then wait for the receiver's verified receipt.
 */
export class OutgoingTransfer {
  private acked = 0;
  private sent = 0;
  private failure?: PayloadError | PinholeError;
  private readonly answer = deferred<number>();
  private readonly receipt = deferred<void>();
  private wakers: Array<() => void> = [];
  private readonly watchdog = new Watchdog();
  private offset = 0;

  constructor(
    readonly id: number,
    private readonly file: SourceFile,
    private readonly channel: FrameChannel,
    private readonly opts: FileOptions,
    private readonly progress: (p: PayloadProgress) => void,
  ) {}

  async run(signal?: AbortSignal): Promise<FileSent> {
    const f = this.file;
    const onAbort = () => this.cancel(fileError('E_FILE_CANCELLED', `sending ${f.name} was aborted; send it again to resume`, { name: f.name }));
    signal?.addEventListener('abort', onAbort, { once: true });
    const t0 = process.hrtime.bigint();
    const wire0 = this.channel.bytesIn + this.channel.bytesOut;
    try {
      if (signal?.aborted) onAbort();
      this.throwIfFailed();
      this.channel.send({ kind: 'offer', id: this.id, name: f.name, size: f.size, sha256: f.sha256 });
      this.report('offer', 0);
      // Cancelled (not just failed) so that a receiver answering late drops it too.
      this.watchdog.arm(this.opts.offerTimeoutMs, () =>
        this.cancel(fileError('E_FILE_NO_ANSWER', `the peer did not answer the offer of ${f.name} within ${this.opts.offerTimeoutMs} ms; is it receiving files (pinhole peer --inbox DIR)?`, { name: f.name })),
      );
      this.offset = await this.answer.promise;
      this.acked = this.sent = this.offset;
      this.report('transfer', this.offset);
      this.watchdog.arm(this.opts.idleTimeoutMs, () =>
        this.cancel(fileError('E_FILE_STALLED', `nothing moved for ${this.opts.idleTimeoutMs} ms while sending ${f.name} (${this.acked} of ${f.size} bytes confirmed); send it again to resume`, { name: f.name, bytes: this.acked })),
      );
      await this.stream();
      await this.receipt.promise;
      const seconds = secondsSince(t0);
      const transferred = f.size - this.offset;
      return {
        path: f.path,
        name: f.name,
        bytes: f.size,
        sha256: f.sha256.toString('hex'),
        resumedFrom: this.offset,
        transferred,
        wireBytes: this.channel.bytesIn + this.channel.bytesOut - wire0,
        seconds,
        MBps: seconds > 0 ? transferred / seconds / 1e6 : 0,
        hashSeconds: f.hashSeconds,
      };
    } finally {
      this.watchdog.stop();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  // ---- frames from the receiver; each returns what is wrong with it, if anything (a protocol fault) ----

  accepted(offset: number): string | undefined {
    if (offset > this.file.size) return `the peer accepted ${this.file.name} from offset ${offset}, beyond its ${this.file.size} bytes`;
    this.watchdog.kick();
    this.answer.resolve(offset);
  }

  refused(code: string, message: string): void {
    this.fail(new PayloadError(code, `the peer refused ${this.file.name}: ${message}`, { name: this.file.name, remote: true }));
  }

  acknowledged(bytes: number): string | undefined {
    if (bytes > this.sent) return `the peer acknowledged ${bytes} bytes of ${this.file.name}, more than the ${this.sent} sent`;
    this.watchdog.kick();
    if (bytes > this.acked) {
      this.acked = bytes;
      this.report('transfer', bytes);
      this.wake();
    }
  }

  done(size: number, sha256: Buffer): string | undefined {
    if (this.sent !== this.file.size) return `the peer confirmed ${this.file.name} before all of it was sent`;
    if (size !== this.file.size || !sha256.equals(this.file.sha256))
      return void this.fail(fileError('E_FILE_HASH', `the peer stored ${this.file.name} as ${size} bytes with SHA-256 ${sha256.toString('hex')}, not ${this.file.size} bytes with ${this.file.sha256.toString('hex')}`, { name: this.file.name }));
    this.acked = size;
    this.report('transfer', size);
    this.receipt.resolve();
  }

  failedRemotely(code: string, message: string): void {
    this.fail(new PayloadError(code, `the peer could not take ${this.file.name}: ${message}`, { name: this.file.name, remote: true }));
  }

  /** Ends the transfer with `err` (nothing is told to the peer: it told us, or the stream is gone). */
  fail(err: PayloadError | PinholeError): void {
    if (this.failure) return;
    this.failure = err;
    this.watchdog.stop();
    this.answer.reject(err);
    this.receipt.reject(err);
    this.wake();
  }

  /** Gives the transfer up and tells the receiver, which keeps what it has. */
  cancel(err: PayloadError): void {
    if (this.failure) return;
    this.channel.send({ kind: 'cancel', id: this.id, code: err.code, message: err.message });
    this.fail(err);
  }

  private async stream(): Promise<void> {
    const f = this.file;
    if (this.offset === f.size) return;
    // Large reads, so the next megabyte is already coming off disk while the stream drains.
    const rs = fs.createReadStream(f.path, { start: this.offset, end: f.size - 1, highWaterMark: READ_AHEAD_BYTES });
    try {
      for await (const block of rs as AsyncIterable<Buffer>) {
        for (let at = 0; at < block.length; at += this.opts.chunkBytes) {
          const chunk = block.subarray(at, at + this.opts.chunkBytes);
          while (this.sent + chunk.length - this.acked > this.opts.windowBytes && !this.failure) await this.next();
          this.throwIfFailed();
          const more = this.channel.sendChunk(chunk);
          this.sent += chunk.length;
          if (!more) await Promise.race([this.channel.drained(), this.next()]);
          this.throwIfFailed();
          this.watchdog.kick();
        }
      }
    } catch (err) {
      if (err === this.failure) throw err;
      const e = fileError('E_FILE_SOURCE', `reading ${f.path} failed: ${(err as Error).message}; check the file and send again to resume`, { name: f.name }, err);
      this.cancel(e);
      throw e;
    } finally {
      rs.destroy();
    }
    if (this.sent !== f.size) {
      const e = fileError('E_FILE_SIZE', `${f.path} shrank while it was being sent (${this.sent} of ${f.size} bytes); send it again`, { name: f.name });
      this.cancel(e);
      throw e;
    }
  }

  private report(phase: PayloadProgress['phase'], bytes: number): void {
    this.progress({ direction: 'send', name: this.file.name, phase, bytes, total: this.file.size, resumedFrom: this.offset });
  }

  private next(): Promise<void> {
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  private wake(): void {
    const w = this.wakers;
    this.wakers = [];
    for (const fn of w) fn();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
