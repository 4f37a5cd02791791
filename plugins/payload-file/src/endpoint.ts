import * as path from 'path';
import type { DatagramSession, Disposable, PinholeError } from '@pinhole/core';
import { toDisposable } from '@pinhole/core';
import {
  PayloadError,
  type FileAttachOptions,
  type FileItem,
  type FileReceived,
  type FileSent,
  type PayloadEndpoint,
  type PayloadProgress,
} from '@pinhole/core';
import type { BufferPool } from './buffer-pool';
import { DataStreams } from './data-streams';
import { fileError } from './errors';
import { FrameChannel } from './frame-channel';
import { IncomingTransfer } from './incoming';
import { FILE_CHANNEL, type FileOptions } from './options';
import { OutgoingTransfer } from './outgoing';
import type { PieceSink } from './piece-channel';
import { prepareSource } from './source';
import { deferred } from './timing';
import type { ControlFrame, PieceFrame } from './wire';

/** After our side ends the stream, how long the peer gets to end its side before the stream is destroyed. */
const CLOSE_GRACE_MS = 2000;

/**
 * The file payload on one session: a control stream (channel FILE_CHANNEL) and data streams
 * (the channels after it, opened as transfers need them), each carrying both directions. Files
 * this side sends go one at a time (send() queues), their pieces spread over the data streams;
 * offers from the peer are taken into the inbox given at attach (or refused without one). A
 * fault on any stream fails the transfers in flight and closes the endpoint.
 */
export class FileEndpoint implements PayloadEndpoint<FileItem, FileSent, FileReceived> {
  readonly payloadType = 'file';
  private readonly channel: FrameChannel;
  private readonly data: DataStreams;
  private readonly ended = deferred<void>();
  private state: 'open' | 'ending' | 'closed' = 'open';
  private outgoing?: OutgoingTransfer;
  private incoming?: IncomingTransfer;
  private lastOutgoingId = 0;
  private lastIncomingId = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private grace?: NodeJS.Timeout;
  private readonly sessionWatch: Disposable;
  private readonly receivedHandlers = new Set<(f: FileReceived) => void>();
  private readonly errorHandlers = new Set<(e: PinholeError) => void>();
  private readonly progressHandlers = new Set<(p: PayloadProgress) => void>();

  constructor(
    private readonly session: DatagramSession,
    private readonly opts: FileOptions,
    private readonly attach: FileAttachOptions,
    private readonly buffers: (pieceBytes: number) => BufferPool,
    private readonly onClosed: () => void,
  ) {
    this.data = new DataStreams(session, (k) => this.dataSink(k));
    this.channel = new FrameChannel(session.openReliableStream(FILE_CHANNEL), {
      frame: (f) => this.frame(f),
      garbage: (err) => this.terminate(err, true),
      ended: () => this.shutdown(new PayloadError('E_PAYLOAD_CLOSED', 'the peer ended the file stream; what arrived of an unfinished file is kept for resuming'), false),
      closed: (err) => this.finalize(err),
    });
    this.sessionWatch = session.onClose((reason) => {
      this.shutdown(new PayloadError('E_PAYLOAD_CLOSED', `the call ended (${reason}) during the file transfer; send again on a new call to resume`), false);
      this.channel.destroy();
      this.data.destroy();
    });
  }

  get closed(): Promise<void> {
    return this.ended.promise;
  }

  send(item: FileItem, opts: { signal?: AbortSignal } = {}): Promise<FileSent> {
    const run = this.queue.then(() => this.sendOne(item, opts.signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  onReceived(handler: (item: FileReceived) => void): Disposable {
    return this.listen(this.receivedHandlers, handler);
  }
  onError(handler: (err: PinholeError) => void): Disposable {
    return this.listen(this.errorHandlers, handler);
  }
  onProgress(handler: (p: PayloadProgress) => void): Disposable {
    return this.listen(this.progressHandlers, handler);
  }

  close(): Promise<void> {
    this.shutdown(new PayloadError('E_PAYLOAD_CLOSED', 'the file endpoint was closed; send again to resume'), true);
    return this.closed;
  }

  private async sendOne(item: FileItem, signal?: AbortSignal): Promise<FileSent> {
    this.throwIfClosed();
    const source = await prepareSource(item);
    if (this.state !== 'open') await source.fh.close();
    this.throwIfClosed();
    // The path's RTT, measured while the offer is out, picks the first stream count.
    const rtt = this.session.ping(2000).catch(() => undefined);
    const t = new OutgoingTransfer(this.lastOutgoingId + 1, source, {
      control: this.channel,
      data: this.data,
      opts: this.opts,
      buffers: this.buffers,
      rtt,
      progress: (p) => this.emit(this.progressHandlers, p),
    });
    this.lastOutgoingId = t.id;
    this.outgoing = t;
    try {
      return await t.run(signal);
    } finally {
      this.outgoing = undefined;
    }
  }

  /** What a data channel delivers: pieces go to the incoming transfer they belong to. */
  private dataSink(k: number): PieceSink {
    return {
      activity: () => this.incoming?.alive(),
      piece: (h, data) => this.piece(h, data),
      garbage: (err) => this.terminate(err, true),
      closed: (err) => {
        if (this.state === 'open') this.terminate(new PayloadError('E_PAYLOAD_CLOSED', `data stream ${k} of the file transfer closed${err ? ` (${err.message})` : ''}; what arrived is kept — send again to resume`), false);
      },
    };
  }

  private piece(h: PieceFrame, data: Buffer[]): void {
    if (this.state !== 'open') return;
    const t = this.incoming;
    if (!t || h.id !== t.id) {
      // Pieces of a transfer that ended are still in flight on other channels; anything newer is a fault.
      if (h.id > this.lastIncomingId) this.protocol(`piece ${h.index} of transfer ${h.id}, which was never offered`);
      return;
    }
    const problem = t.piece(h, data);
    if (problem) this.protocol(problem);
  }

  private frame(f: ControlFrame): void {
    if (this.state !== 'open') return; // closing: whatever the peer still had in flight is moot
    switch (f.kind) {
      case 'offer':
        return this.offered(f);
      case 'end': {
        if (this.incoming?.id !== f.id) {
          if (f.id > this.lastIncomingId) this.protocol(`end of transfer ${f.id}, which was never offered`);
          return;
        }
        const problem = this.incoming.ended(f.root);
        if (problem) this.protocol(problem);
        return;
      }
      case 'cancel':
        if (this.incoming?.id === f.id) this.incoming.cancelled(f.code, f.message);
        else if (f.id > this.lastIncomingId) this.protocol(`cancel for transfer ${f.id}, which was never offered`);
        return;
      case 'error':
        if (f.id === 0) return this.terminate(new PayloadError(f.code, `the peer dropped the file stream: ${f.message}`, { remote: true }), false);
        return this.toOutgoing(f);
      default:
        return this.toOutgoing(f);
    }
  }

  private offered(f: Extract<ControlFrame, { kind: 'offer' }>): void {
    if (this.incoming?.active) return this.protocol(`an offer of ${JSON.stringify(f.name)} arrived while ${this.incoming.id} was still being received`);
    if (f.id <= this.lastIncomingId) return this.protocol(`offer id ${f.id} is not above the previous ${this.lastIncomingId}`);
    this.lastIncomingId = f.id;
    const policy = this.attach.inbox === undefined ? undefined : { dir: path.resolve(this.attach.inbox), overwrite: this.attach.overwrite ?? false, maxBytes: this.attach.maxBytes };
    this.incoming = new IncomingTransfer(f.id, { name: f.name, size: f.size, pieceBytes: f.pieceBytes, version: f.version }, {
      control: this.channel,
      openStreams: () => this.data.open(this.opts.maxStreams).length,
      wireBytes: () => this.channel.bytesIn + this.channel.bytesOut + this.data.bytes,
      policy,
      idleTimeoutMs: this.attach.idleTimeoutMs ?? this.opts.idleTimeoutMs,
      progress: (p) => this.emit(this.progressHandlers, p),
      received: (file) => this.emit(this.receivedHandlers, file),
      failed: (err) => this.emit(this.errorHandlers, err),
    });
    void this.incoming.start();
  }

  private toOutgoing(f: Extract<ControlFrame, { kind: 'accept' | 'refuse' | 'ack' | 'done' | 'error' }>): void {
    const t = this.outgoing;
    if (!t || t.id !== f.id) {
      // Late answers for a transfer this side already gave up are expected; anything else is not.
      if (f.id > this.lastOutgoingId) this.protocol(`${f.kind} for transfer ${f.id}, which was never offered`);
      return;
    }
    let problem: string | undefined;
    if (f.kind === 'accept') problem = t.accepted(f.have, f.streams);
    else if (f.kind === 'refuse') t.refused(f.code, f.message);
    else if (f.kind === 'ack') problem = t.acknowledged(f.bytes, f.piece);
    else if (f.kind === 'done') problem = t.done(f.size, f.root);
    else t.failedRemotely(f.code, f.message);
    if (problem) this.protocol(problem);
  }

  private protocol(what: string): void {
    this.terminate(fileError('E_FILE_PROTOCOL', `${what}; the file stream is closed — both sides should run the same payload-file version`), true);
  }

  /** The stream cannot be trusted any more: tell the peer why (when we can), report, and drop it. */
  private terminate(err: PinholeError, tellPeer: boolean): void {
    if (this.state === 'closed') return;
    this.channel.stopReading();
    if (tellPeer) this.channel.send({ kind: 'error', id: 0, code: err.code, message: err.message });
    this.emit(this.errorHandlers, err);
    this.shutdown(err, false);
  }

  /** Stops both directions (keeping partial files) and ends our side of the stream. */
  private shutdown(err: PinholeError, local: boolean): void {
    if (this.state !== 'open') return;
    this.state = 'ending';
    if (local && err instanceof PayloadError) this.outgoing?.cancel(err);
    else this.outgoing?.fail(err);
    this.incoming?.interrupted(err instanceof PayloadError ? err : new PayloadError(err.code, err.message));
    // Nothing ever crossed this stream: there is no one to say goodbye to, so no grace period.
    if (this.channel.bytesIn + this.channel.bytesOut === 0) {
      this.data.destroy();
      return this.channel.destroy();
    }
    this.channel.end();
    this.data.end();
    this.grace = setTimeout(() => {
      this.channel.destroy();
      this.data.destroy();
    }, CLOSE_GRACE_MS);
    this.grace.unref();
  }

  private finalize(streamError?: Error): void {
    if (this.state === 'closed') return;
    const err = new PayloadError('E_PAYLOAD_CLOSED', `the file stream closed${streamError ? ` (${streamError.message})` : ''}; send again to resume`);
    this.shutdown(err, false);
    this.state = 'closed';
    clearTimeout(this.grace);
    this.data.destroy();
    this.sessionWatch.dispose();
    // Resolve only once partial files are flushed and closed, so a resume right after sees them whole.
    void (this.incoming?.settled ?? Promise.resolve()).then(() => {
      this.onClosed();
      this.ended.resolve();
    });
  }

  private throwIfClosed(): void {
    if (this.state !== 'open') throw new PayloadError('E_PAYLOAD_CLOSED', 'the file endpoint is closed; attach again on a live call');
  }

  private listen<T>(set: Set<(v: T) => void>, handler: (v: T) => void): Disposable {
    set.add(handler);
    return toDisposable(() => void set.delete(handler));
  }

  private emit<T>(set: Set<(v: T) => void>, value: T): void {
    for (const h of set) h(value);
  }
}
