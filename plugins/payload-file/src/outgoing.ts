import { createHash } from 'crypto';
import type { PinholeError } from '@pinhole/core';
import type { BufferPool } from './buffer-pool';
import type { FileSent, PayloadProgress } from '@pinhole/core';
import { PayloadError } from '@pinhole/core';
import type { DataStreams } from './data-streams';
import { fileError } from './errors';
import type { FrameChannel } from './frame-channel';
import type { FileOptions } from './options';
import type { PieceChannel } from './piece-channel';
import { Bitmap, Pieces } from './pieces';
import type { SourceFile } from './source';
import { StreamCount } from './stream-count';
import { deferred, secondsSince, Watchdog } from './timing';

/** The value of `p` if it has settled by now, else `fallback` (a lost PING must not hold the transfer up). */
const settledOr = <T>(p: Promise<T>, fallback: T): Promise<T> => Promise.race([p, Promise.resolve().then(() => fallback)]);
const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest();

export interface OutgoingDeps {
  control: FrameChannel;
  data: DataStreams;
  opts: FileOptions;
  /** Piece-sized buffers to read into (returned as the receiver acknowledges pieces). */
  buffers(pieceBytes: number): BufferPool;
  /** The path's RTT in ms (PING/PONG), measured while the offer is out; undefined if unknown. */
  rtt: Promise<number | undefined>;
  progress(p: PayloadProgress): void;
}

/**
 * Sends one file: offer (no hash up front), wait for accept (which pieces the receiver holds,
 * how many data streams it opened), then read, hash and send each missing piece on whichever
 * data stream has room — never more than `windowBytes` ahead of what the receiver has verified
 * and written — while the held pieces are read and hashed for the root. `end` carries the root;
 * the receiver's `done` must name the same.
 */
export class OutgoingTransfer {
  private acked = 0;
  private sent = 0;
  private failure?: PayloadError | PinholeError;
  private readonly answer = deferred<{ have: Buffer; streams: number }>();
  private readonly receipt = deferred<Buffer>();
  private wakers: Array<() => void> = [];
  private readonly watchdog = new Watchdog();
  private readonly pieces: Pieces;
  private readonly pool: BufferPool;
  private readonly hashes: Buffer[] = [];
  /** Buffers of the pieces sent and not yet acknowledged, by index. */
  private readonly unacked = new Map<number, Buffer>();
  private resumedFrom = 0;
  private next = 0;

  constructor(
    readonly id: number,
    private readonly file: SourceFile,
    private readonly deps: OutgoingDeps,
  ) {
    this.pieces = Pieces.forSize(file.size);
    this.pool = deps.buffers(this.pieces.pieceBytes);
  }

  async run(signal?: AbortSignal): Promise<FileSent> {
    const { file: f, deps } = this;
    const onAbort = () => this.cancel(fileError('E_FILE_CANCELLED', `sending ${f.name} was aborted; send it again to resume`, { name: f.name }));
    signal?.addEventListener('abort', onAbort, { once: true });
    const t0 = process.hrtime.bigint();
    const wire0 = this.wireBytes();
    try {
      if (signal?.aborted) onAbort();
      this.throwIfFailed();
      deps.control.send({ kind: 'offer', id: this.id, name: f.name, size: f.size, pieceBytes: this.pieces.pieceBytes, version: f.version });
      this.report('offer', 0);
      // Cancelled (not just failed) so that a receiver answering late drops it too.
      this.watchdog.arm(deps.opts.offerTimeoutMs, () =>
        this.cancel(fileError('E_FILE_NO_ANSWER', `the peer did not answer the offer of ${f.name} within ${deps.opts.offerTimeoutMs} ms; is it receiving files (pinhole peer --inbox DIR)?`, { name: f.name })),
      );
      const offeredAt = Date.now();
      const accept = await this.answer.promise;
      const answeredIn = Date.now() - offeredAt;
      const have = new Bitmap(this.pieces.count, accept.have);
      this.acked = this.sent = this.resumedFrom = this.pieces.bytesIn(have);
      this.report('transfer', this.acked);
      this.watchdog.arm(deps.opts.idleTimeoutMs, () =>
        this.cancel(fileError('E_FILE_STALLED', `nothing moved for ${deps.opts.idleTimeoutMs} ms while sending ${f.name} (${this.acked} of ${f.size} bytes confirmed); send it again to resume`, { name: f.name, bytes: this.acked })),
      );
      // A lost PING (a lossy path) leaves the offer's round trip, an upper bound, to size the start.
      const count = new StreamCount(Math.min(accept.streams, deps.opts.maxStreams), (await settledOr(deps.rtt, undefined)) ?? answeredIn, deps.opts.streams, 4 * this.pieces.pieceBytes);
      await Promise.all([this.sendMissing(have, count, accept.streams), this.hashHeld(have)]);
      const root = this.pieces.root(this.hashes);
      deps.control.send({ kind: 'end', id: this.id, root });
      const confirmed = await this.receipt.promise;
      if (!confirmed.equals(root))
        throw fileError('E_FILE_HASH', `the peer stored ${f.name} with hash ${confirmed.toString('hex')}, not ${root.toString('hex')}`, { name: f.name });
      const seconds = secondsSince(t0);
      const transferred = f.size - this.resumedFrom;
      return {
        path: f.path,
        name: f.name,
        bytes: f.size,
        hash: root.toString('hex'),
        resumedFrom: this.resumedFrom,
        transferred,
        wireBytes: this.wireBytes() - wire0,
        seconds,
        MBps: seconds > 0 ? transferred / seconds / 1e6 : 0,
        streams: count.current,
      };
    } finally {
      this.watchdog.stop();
      signal?.removeEventListener('abort', onAbort);
      await f.fh.close().catch(() => undefined);
    }
  }

  // ---- frames from the receiver; each returns what is wrong with it, if anything (a protocol fault) ----

  accepted(have: Buffer, streams: number): string | undefined {
    if (have.length !== Math.ceil(this.pieces.count / 8)) return `the peer accepted ${this.file.name} with a bitmap of ${have.length} bytes for ${this.pieces.count} pieces`;
    this.watchdog.kick();
    this.answer.resolve({ have, streams });
  }

  refused(code: string, message: string): void {
    this.fail(new PayloadError(code, `the peer refused ${this.file.name}: ${message}`, { name: this.file.name, remote: true }));
  }

  acknowledged(bytes: number, piece: number): string | undefined {
    if (bytes > this.sent) return `the peer acknowledged ${bytes} bytes of ${this.file.name}, more than the ${this.sent} sent`;
    const buf = this.unacked.get(piece);
    if (!buf) return `the peer acknowledged piece ${piece} of ${this.file.name}, which is not in flight`;
    this.unacked.delete(piece);
    this.pool.give(buf);
    this.watchdog.kick();
    if (bytes > this.acked) {
      this.acked = bytes;
      this.report('transfer', bytes);
      this.wake();
    }
  }

  done(size: number, root: Buffer): string | undefined {
    if (this.sent !== this.file.size || this.hashes.length < this.pieces.count) return `the peer confirmed ${this.file.name} before all of it was sent`;
    if (size !== this.file.size) return `the peer confirmed ${this.file.name} as ${size} bytes, not ${this.file.size}`;
    this.acked = size;
    this.report('transfer', size);
    this.receipt.resolve(root);
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
    this.deps.control.send({ kind: 'cancel', id: this.id, code: err.code, message: err.message });
    this.fail(err);
  }

  /** Reads, hashes and sends every piece the receiver lacks, spreading them over the data streams. */
  private async sendMissing(have: Bitmap, count: StreamCount, opened: number): Promise<void> {
    const { pieces, deps } = this;
    const missing: number[] = [];
    for (let i = 0; i < pieces.count; i++) if (!have.has(i)) missing.push(i);
    if (missing.length === 0) return;
    const channels = deps.data.open(Math.min(opened, deps.opts.maxStreams));
    // Two reads ahead, so the next piece is off the disk while this one goes out.
    const reads: Array<Promise<Buffer>> = [];
    const read = (k: number): void => {
      if (k >= missing.length) return;
      const p = this.readPiece(missing[k]);
      p.catch(() => undefined); // awaited below, unless the transfer fails first
      reads.push(p);
    };
    read(0);
    read(1);
    for (let k = 0; k < missing.length; k++) {
      const index = missing[k];
      const len = pieces.length(index);
      while (this.sent + len - this.acked > deps.opts.windowBytes && !this.failure) await this.waitAck();
      this.throwIfFailed();
      const buf = await reads[k];
      read(k + 2);
      this.throwIfFailed();
      const data = buf.subarray(0, len);
      const digest = sha256(data);
      this.hashes[index] = digest;
      const channel = await this.readyChannel(channels.slice(0, count.sample(Date.now(), this.acked)));
      this.throwIfFailed();
      this.unacked.set(index, buf);
      channel.send({ kind: 'piece', id: this.id, index, size: len, sha256: digest }, data);
      this.sent += len;
      this.watchdog.kick();
    }
  }

  /** Hashes the pieces the receiver already holds (they are not sent, but the root covers them). */
  private async hashHeld(have: Bitmap): Promise<void> {
    let buf: Buffer | undefined;
    for (let i = 0; i < this.pieces.count && !this.failure; i++) {
      if (!have.has(i)) continue;
      buf = await this.readPiece(i, buf);
      this.hashes[i] = sha256(buf.subarray(0, this.pieces.length(i)));
    }
    if (buf) this.pool.give(buf);
  }

  /** Reads piece `index` into `into` (or a pooled buffer); the piece is the first length(index) bytes. */
  private async readPiece(index: number, into?: Buffer): Promise<Buffer> {
    const len = this.pieces.length(index);
    const buf = into ?? this.pool.take();
    let got = 0;
    try {
      while (got < len) {
        const { bytesRead } = await this.file.fh.read(buf, got, len - got, this.pieces.offset(index) + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
    } catch (err) {
      throw this.sourceFailed(fileError('E_FILE_SOURCE', `reading ${this.file.path} failed: ${(err as Error).message}; check the file and send again to resume`, { name: this.file.name }, err));
    }
    if (got !== len)
      throw this.sourceFailed(fileError('E_FILE_SIZE', `${this.file.path} shrank while it was being sent (it ends before byte ${this.pieces.offset(index) + len}); send it again`, { name: this.file.name }));
    return buf;
  }

  private sourceFailed(err: PayloadError): PayloadError | PinholeError {
    this.cancel(err);
    return this.failure ?? err;
  }

  /** The first of `channels` (round robin from the last used) that takes a piece now; waits for one otherwise. */
  private async readyChannel(channels: PieceChannel[]): Promise<PieceChannel> {
    for (;;) {
      for (let j = 0; j < channels.length; j++) {
        const c = channels[(this.next + j) % channels.length];
        if (c.ready) {
          this.next = (this.next + j + 1) % channels.length;
          return c;
        }
      }
      if (this.failure || channels.every((c) => c.closed)) return channels[0];
      await Promise.race([...channels.map((c) => c.drained()), this.waitAck()]);
    }
  }

  private wireBytes(): number {
    return this.deps.control.bytesIn + this.deps.control.bytesOut + this.deps.data.bytes;
  }

  private report(phase: PayloadProgress['phase'], bytes: number): void {
    this.deps.progress({ direction: 'send', name: this.file.name, phase, bytes, total: this.file.size, resumedFrom: this.resumedFrom });
  }

  private waitAck(): Promise<void> {
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
