import { createHash } from 'crypto';
import type { FileReceived, PayloadProgress } from '@pinhole/core';
import { PayloadError } from '@pinhole/core';
import type { Claimant } from './claims';
import { fileError } from './errors';
import type { FrameChannel } from './frame-channel';
import { openIncoming, type InboxPolicy, type OfferedFile } from './inbox';
import type { PartFile } from './part-file';
import { Pieces } from './pieces';
import { deferred, secondsSince, Watchdog } from './timing';
import type { PieceFrame } from './wire';

export interface IncomingDeps {
  control: FrameChannel;
  /** Opens the data channels pieces will arrive on; returns how many are open. */
  openStreams(): number;
  /** Frame bytes of every stream of the endpoint so far (for wireBytes). */
  wireBytes(): number;
  /** Undefined: this side takes no files (every offer is refused with E_FILE_INBOX). */
  policy?: InboxPolicy;
  idleTimeoutMs: number;
  progress(p: PayloadProgress): void;
  received(file: FileReceived): void;
  failed(err: PayloadError): void;
}

type State = 'preparing' | 'receiving' | 'verifying' | 'ended';

/**
 * Receives one offered file: refuse, or accept telling which pieces are already held; verify
 * each arriving piece against its SHA-256 before it is written (a mismatch fails the whole
 * transfer and deletes the part), write it at its offset, acknowledge what is on disk, and once
 * every piece is held and the sender's root has arrived, check the root and rename.
 * Interruptions keep the partial file.
 */
export class IncomingTransfer implements Claimant {
  private state: State = 'preparing';
  private part?: PartFile;
  private readonly pieces: Pieces;
  /** Verified bytes held (resumed + written). */
  private held = 0;
  private resumedFrom = 0;
  /** Pieces verified and being written, so a duplicate is caught before its write lands. */
  private readonly arriving = new Set<number>();
  private root?: Buffer;
  private readonly released = deferred<void>();
  private readonly watchdog = new Watchdog();
  private readonly t0 = process.hrtime.bigint();
  private readonly wire0: number;

  constructor(
    readonly id: number,
    private readonly offer: OfferedFile,
    private readonly deps: IncomingDeps,
  ) {
    this.pieces = new Pieces(offer.size, offer.pieceBytes);
    this.wire0 = deps.wireBytes();
  }

  /** Still taking frames for this file (a new offer now would be out of turn). */
  get active(): boolean {
    return this.state !== 'ended';
  }

  async start(): Promise<void> {
    const { offer, deps } = this;
    this.report('offer', 0);
    if (!deps.policy) {
      return this.refuse(fileError('E_FILE_INBOX', `this peer takes no files (no inbox); it must run with --inbox DIR to receive ${offer.name}`, { name: offer.name }));
    }
    let part: PartFile;
    try {
      part = await openIncoming(deps.policy, offer, this);
    } catch (err) {
      if (this.state === 'ended') return this.released.resolve();
      return this.refuse(err instanceof PayloadError ? err : fileError('E_FILE_DISK', `cannot take ${offer.name}: ${(err as Error).message}`, { name: offer.name }, err));
    }
    this.part = part;
    if (this.state === 'ended') return void part.keep().then(() => this.released.resolve());
    this.state = 'receiving';
    this.held = this.resumedFrom = this.pieces.bytesIn(part.have);
    const streams = deps.openStreams();
    deps.control.send({ kind: 'accept', id: this.id, have: part.have.bytes, streams });
    this.report('transfer', this.held);
    this.watchdog.arm(deps.idleTimeoutMs, () =>
      this.fail(fileError('E_FILE_STALLED', `nothing arrived for ${deps.idleTimeoutMs} ms while receiving ${offer.name} (${this.held} of ${offer.size} bytes); the partial file is kept — send it again to resume`, { name: offer.name, bytes: this.held }), true, 'keep'),
    );
  }

  /**
   * A piece from a data channel. Pieces of a transfer that already ended are dropped; a piece
   * that makes no sense now returns the protocol fault to report.
   */
  piece(h: PieceFrame, data: Buffer[]): string | undefined {
    if (this.state === 'ended' || this.state === 'verifying') return; // in flight after we stopped
    if (this.state !== 'receiving') return `piece ${h.index} of ${this.offer.name} arrived before its offer was accepted`;
    const { pieces, part } = this;
    if (h.index >= pieces.count || h.size !== pieces.length(h.index)) return `piece ${h.index} of ${h.size} bytes does not fit ${this.offer.name} (${pieces.count} pieces of ${pieces.pieceBytes})`;
    if (part!.have.has(h.index) || this.arriving.has(h.index)) return `piece ${h.index} of ${this.offer.name} arrived twice`;
    const hash = createHash('sha256');
    for (const b of data) hash.update(b);
    if (!hash.digest().equals(h.sha256)) {
      this.fail(fileError('E_FILE_HASH', `piece ${h.index} of ${this.offer.name} does not hash to what the sender announced; the partial file was deleted — send it again`, { name: this.offer.name, piece: h.index }), true, 'discard');
      return;
    }
    this.watchdog.kick();
    this.arriving.add(h.index);
    part!.write(h.index, data, h.sha256).then(
      () => this.written(h.index),
      (err: PayloadError) => this.fail(err, true, 'keep'),
    );
  }

  /** Bytes are arriving on a data stream (a piece takes a while on a slow path): not stalled. */
  alive(): void {
    this.watchdog.kick();
  }

  /** The sender has sent every piece; `root` is its hash of the file. */
  ended(root: Buffer): string | undefined {
    if (this.state !== 'receiving' || this.root) return this.state === 'ended' ? undefined : `end of ${this.offer.name} out of turn`;
    this.root = root;
    this.maybeVerify();
  }

  /** The sender gave up; what arrived stays for resuming. */
  cancelled(code: string, message: string): void {
    this.fail(new PayloadError('E_FILE_CANCELLED', `the sender gave up ${this.offer.name} (${code}: ${message}); the partial file is kept`, { name: this.offer.name, remoteCode: code }), false, 'keep');
  }

  /** The stream or session ended under the transfer. */
  interrupted(err: PayloadError): void {
    this.fail(err, false, 'keep');
  }

  supersede(): Promise<void> {
    this.fail(fileError('E_FILE_SUPERSEDED', `${this.offer.name} was offered again on another call, which resumes it; this transfer stopped`, { name: this.offer.name }), true, 'keep');
    return this.released.promise;
  }

  /** Resolves when the partial file is closed and released. */
  get settled(): Promise<void> {
    return this.released.promise;
  }

  private written(index: number): void {
    this.arriving.delete(index);
    if (this.state !== 'receiving') return;
    this.held += this.pieces.length(index);
    this.deps.control.send({ kind: 'ack', id: this.id, bytes: this.held, piece: index });
    this.report('transfer', this.held);
    this.maybeVerify();
  }

  private maybeVerify(): void {
    if (this.state === 'receiving' && this.root && this.held === this.offer.size && this.arriving.size === 0) void this.verify(this.root);
  }

  private async verify(root: Buffer): Promise<void> {
    const { offer, deps } = this;
    this.state = 'verifying';
    this.watchdog.stop();
    try {
      await this.part!.commit(root, deps.policy!.overwrite);
    } catch (err) {
      this.state = 'ended';
      const e = err instanceof PayloadError ? err : fileError('E_FILE_DISK', `finishing ${offer.name} failed: ${(err as Error).message}`, { name: offer.name }, err);
      deps.control.send({ kind: 'error', id: this.id, code: e.code, message: e.message });
      deps.failed(e);
      return this.released.resolve();
    }
    this.state = 'ended';
    deps.control.send({ kind: 'done', id: this.id, size: offer.size, root });
    const seconds = secondsSince(this.t0);
    const transferred = offer.size - this.resumedFrom;
    deps.received({
      path: this.part!.paths.final,
      name: offer.name,
      bytes: offer.size,
      hash: root.toString('hex'),
      resumedFrom: this.resumedFrom,
      transferred,
      wireBytes: deps.wireBytes() - this.wire0,
      seconds,
      MBps: seconds > 0 ? transferred / seconds / 1e6 : 0,
    });
    this.released.resolve();
  }

  private refuse(err: PayloadError): void {
    this.state = 'ended';
    this.deps.control.send({ kind: 'refuse', id: this.id, code: err.code, message: err.message });
    this.deps.failed(err);
    this.released.resolve();
  }

  private fail(err: PayloadError, tellPeer: boolean, part: 'keep' | 'discard'): void {
    // While verifying, the local commit decides the outcome (and settles) even if the stream is gone.
    if (this.state === 'ended' || this.state === 'verifying') return;
    const wasPreparing = this.state === 'preparing';
    this.state = 'ended';
    this.watchdog.stop();
    if (tellPeer) this.deps.control.send({ kind: 'error', id: this.id, code: err.code, message: err.message });
    this.deps.failed(err);
    // While preparing, start() closes the part once openIncoming returns it.
    if (wasPreparing && !this.part) return;
    const p = this.part!;
    void (part === 'keep' ? p.keep() : p.discard()).catch(() => undefined).then(() => this.released.resolve());
  }

  private report(phase: PayloadProgress['phase'], bytes: number): void {
    this.deps.progress({ direction: 'receive', name: this.offer.name, phase, bytes, total: this.offer.size, resumedFrom: this.resumedFrom });
  }
}
