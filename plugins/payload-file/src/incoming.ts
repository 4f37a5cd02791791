import type { FileReceived, PayloadProgress } from '@pinhole/core';
import { PayloadError } from '@pinhole/core';
import type { Claimant } from './claims';
import { fileError } from './errors';
import type { FrameChannel } from './frame-channel';
import type { HashPool } from './hash-pool';
import { openIncoming, type InboxPolicy, type OfferedFile } from './inbox';
import type { PartFile } from './part-file';
import { deferred, secondsSince, Watchdog } from './timing';

/** Acknowledge written bytes this often; the sender's window (≥ 1 MiB) is several of these. */
export const ACK_EVERY_BYTES = 256 * 1024;

export interface IncomingDeps {
  channel: FrameChannel;
  /** Undefined: this side takes no files (every offer is refused with E_FILE_INBOX). */
  policy?: InboxPolicy;
  idleTimeoutMs: number;
  hashes: HashPool;
  progress(p: PayloadProgress): void;
  received(file: FileReceived): void;
  failed(err: PayloadError): void;
}

type State = 'preparing' | 'receiving' | 'verifying' | 'ended';

/**
 * Receives one offered file: refuse or accept (from the offset a partial file of the same file
 * already holds), hash and write each chunk in order, acknowledge what is on disk, then verify
 * and rename. Interruptions keep the partial file; bad content deletes it.
 */
export class IncomingTransfer implements Claimant {
  private state: State = 'preparing';
  private part?: PartFile;
  private received = 0;
  private acked = 0;
  private readonly released = deferred<void>();
  private readonly watchdog = new Watchdog();
  private readonly t0 = process.hrtime.bigint();
  private readonly wire0: number;

  constructor(
    readonly id: number,
    private readonly offer: OfferedFile,
    private readonly deps: IncomingDeps,
  ) {
    this.wire0 = deps.channel.bytesIn + deps.channel.bytesOut;
  }

  /** Still taking frames for this file (a new offer now would be out of turn). */
  get active(): boolean {
    return this.state !== 'ended';
  }

  async start(): Promise<void> {
    const { offer, deps } = this;
    this.report('offer', 0, 0);
    if (!deps.policy) {
      return this.refuse(fileError('E_FILE_INBOX', `this peer takes no files (no inbox); it must run with --inbox DIR to receive ${offer.name}`, { name: offer.name }));
    }
    let part: PartFile;
    try {
      part = await openIncoming(deps.policy, offer, this, {
        onWritten: (n) => this.written(n),
        onFailed: (err) => this.fail(err, true, 'keep'),
      }, deps.hashes);
    } catch (err) {
      if (this.state === 'ended') return this.released.resolve();
      return this.refuse(err instanceof PayloadError ? err : fileError('E_FILE_DISK', `cannot take ${offer.name}: ${(err as Error).message}`, { name: offer.name }, err));
    }
    this.part = part;
    if (this.state === 'ended') return void part.keep().then(() => this.released.resolve());
    this.state = 'receiving';
    this.received = this.acked = part.offset;
    deps.channel.send({ kind: 'accept', id: this.id, offset: part.offset });
    this.report('transfer', part.offset, part.offset);
    this.watchdog.arm(deps.idleTimeoutMs, () =>
      this.fail(fileError('E_FILE_STALLED', `nothing arrived for ${deps.idleTimeoutMs} ms while receiving ${offer.name} (${this.received} of ${offer.size} bytes); the partial file is kept — send it again to resume`, { name: offer.name, bytes: this.received }), true, 'keep'),
    );
    if (this.received === offer.size) void this.verify();
  }

  /** A chunk frame; false when none was expected now (a protocol fault). */
  chunk(data: Buffer): boolean {
    if (this.state === 'ended') return true; // in flight after we failed the transfer: dropped
    if (this.state !== 'receiving') return false;
    const { offer } = this;
    if (this.received + data.length > offer.size) {
      this.fail(fileError('E_FILE_SIZE', `the sender sent more than the ${offer.size} bytes it offered for ${offer.name}; the partial file was deleted — send it again`, { name: offer.name }), true, 'discard');
      return true;
    }
    this.part!.write(data);
    this.received += data.length;
    this.watchdog.kick();
    this.report('transfer', this.received, this.part!.offset);
    if (this.received === offer.size) void this.verify();
    return true;
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

  private async verify(): Promise<void> {
    const { offer, deps } = this;
    this.state = 'verifying';
    this.watchdog.stop();
    let sha: Buffer;
    try {
      sha = await this.part!.commit(offer.sha256, deps.policy!.overwrite);
    } catch (err) {
      this.state = 'ended';
      const e = err instanceof PayloadError ? err : fileError('E_FILE_DISK', `finishing ${offer.name} failed: ${(err as Error).message}`, { name: offer.name }, err);
      deps.channel.send({ kind: 'error', id: this.id, code: e.code, message: e.message });
      deps.failed(e);
      return this.released.resolve();
    }
    this.state = 'ended';
    deps.channel.send({ kind: 'done', id: this.id, size: offer.size, sha256: sha });
    const seconds = secondsSince(this.t0);
    const transferred = offer.size - this.part!.offset;
    deps.received({
      path: this.part!.paths.final,
      name: offer.name,
      bytes: offer.size,
      sha256: sha.toString('hex'),
      resumedFrom: this.part!.offset,
      transferred,
      wireBytes: deps.channel.bytesIn + deps.channel.bytesOut - this.wire0,
      seconds,
      MBps: seconds > 0 ? transferred / seconds / 1e6 : 0,
    });
    this.released.resolve();
  }

  private written(onDisk: number): void {
    if (this.state !== 'receiving' || onDisk - this.acked < ACK_EVERY_BYTES) return;
    this.acked = onDisk;
    this.deps.channel.send({ kind: 'ack', id: this.id, bytes: onDisk });
  }

  private refuse(err: PayloadError): void {
    this.state = 'ended';
    this.deps.channel.send({ kind: 'refuse', id: this.id, code: err.code, message: err.message });
    this.deps.failed(err);
    this.released.resolve();
  }

  private fail(err: PayloadError, tellPeer: boolean, part: 'keep' | 'discard'): void {
    // While verifying, the local commit decides the outcome (and settles) even if the stream is gone.
    if (this.state === 'ended' || this.state === 'verifying') return;
    const wasPreparing = this.state === 'preparing';
    this.state = 'ended';
    this.watchdog.stop();
    if (tellPeer) this.deps.channel.send({ kind: 'error', id: this.id, code: err.code, message: err.message });
    this.deps.failed(err);
    // While preparing, start() closes the part once openIncoming returns it.
    if (wasPreparing && !this.part) return;
    const p = this.part!;
    void (part === 'keep' ? p.keep() : p.discard()).catch(() => undefined).then(() => this.released.resolve());
  }

  private report(phase: PayloadProgress['phase'], bytes: number, resumedFrom: number): void {
    this.deps.progress({ direction: 'receive', name: this.offer.name, phase, bytes, total: this.offer.size, resumedFrom });
  }
}
