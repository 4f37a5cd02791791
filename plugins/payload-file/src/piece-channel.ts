import { FRAME_HEADER_BYTES, WireError, type PinholeError, type ReliableStream } from '@pinhole/core';
import { onStreamClose } from './stream-close';
import { decodeFileFrame, encodeFileFrame, type PieceFrame } from './wire';

/** A piece frame is a few dozen bytes; anything announcing more is garbage, refused unread. */
const MAX_PIECE_FRAME = 128;

/** Where a PieceChannel delivers what arrives on its stream. */
export interface PieceSink {
  /** Bytes arrived (part of a piece or not): the transfer is alive. */
  activity(): void;
  /** A whole piece: its header and its bytes, as slices of what the stream delivered (not copied). */
  piece(header: PieceFrame, data: Buffer[]): void;
  /** Bytes that are not a piece: the channel is out of step and must be dropped. */
  garbage(err: PinholeError): void;
  /** The stream is gone (destroyed, failed with `err`, or both sides ended). */
  closed(err?: Error): void;
}

/**
 * A data channel: pieces as a piece frame followed by exactly `size` raw bytes. The bytes are
 * written as one buffer and arrive as the slices udx delivered, so neither side copies them
 * into frames, and the receiver hashes and writes the slices as they are.
 */
export class PieceChannel {
  bytesIn = 0;
  bytesOut = 0;
  private head: Buffer = Buffer.alloc(0);
  private current?: { header: PieceFrame; need: number; parts: Buffer[] };
  private broken = false;
  private isClosed = false;
  private waitingDrain = false;
  private drainWaiters: Array<() => void> = [];

  constructor(
    readonly index: number,
    private readonly stream: ReliableStream,
    private readonly sink: PieceSink,
  ) {
    stream.on('data', (chunk) => this.onData(chunk));
    stream.on('drain', () => this.release());
    stream.on('end', () => undefined); // the control stream, not a data channel, says when a peer is done
    onStreamClose(stream, (err) => {
      this.isClosed = true;
      this.release();
      sink.closed(err);
    });
  }

  get closed(): boolean {
    return this.isClosed || this.stream.destroyed;
  }

  /** Whether the stream takes another piece now without piling it up (else wait for drained()). */
  get ready(): boolean {
    return !this.waitingDrain && !this.closed;
  }

  /** Sends a piece: its header frame, then its bytes as they are. */
  send(header: PieceFrame, data: Buffer): void {
    if (this.closed) return;
    const frame = encodeFileFrame(header);
    this.bytesOut += frame.length + data.length;
    this.stream.write(frame);
    if (!this.stream.write(data)) this.waitingDrain = true;
  }

  /** Resolves when the stream takes more (or is gone). */
  drained(): Promise<void> {
    if (this.ready || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  end(): void {
    if (!this.closed) this.stream.end();
  }

  destroy(): void {
    if (!this.stream.destroyed) this.stream.destroy();
  }

  private release(): void {
    this.waitingDrain = false;
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const fn of w) fn();
  }

  private onData(chunk: Buffer): void {
    if (this.broken) return;
    this.bytesIn += chunk.length;
    this.sink.activity();
    let at = 0;
    while (at < chunk.length) {
      const cur = this.current;
      if (cur) {
        const take = Math.min(cur.need, chunk.length - at);
        cur.parts.push(take === chunk.length ? chunk : chunk.subarray(at, at + take));
        cur.need -= take;
        at += take;
        if (cur.need === 0) {
          this.current = undefined;
          this.sink.piece(cur.header, cur.parts);
          if (this.broken || this.closed) return;
        }
        continue;
      }
      at = this.readHeader(chunk, at);
      if (at < 0) return;
    }
  }

  /** Takes header bytes from chunk[at…]; returns where the piece's bytes start, or -1 on garbage. */
  private readHeader(chunk: Buffer, at: number): number {
    const have = this.head.length;
    const need = have < FRAME_HEADER_BYTES ? FRAME_HEADER_BYTES : FRAME_HEADER_BYTES + this.head.readUInt32BE(0);
    const take = Math.min(need - have, chunk.length - at);
    this.head = have === 0 ? chunk.subarray(at, at + take) : Buffer.concat([this.head, chunk.subarray(at, at + take)]);
    at += take;
    if (this.head.length === FRAME_HEADER_BYTES) {
      const len = this.head.readUInt32BE(0);
      if (len === 0 || len > MAX_PIECE_FRAME) return this.fault(new WireError('E_FRAME_TOO_LARGE', `a data channel announced a ${len}-byte piece frame (at most ${MAX_PIECE_FRAME}); the peer is out of step`));
      return at;
    }
    if (this.head.length < need) return at;
    let frame;
    try {
      frame = decodeFileFrame(this.head.subarray(FRAME_HEADER_BYTES));
    } catch (err) {
      return this.fault(err);
    }
    this.head = Buffer.alloc(0);
    if (frame.kind !== 'piece') return this.fault(new WireError('E_WIRE_INVALID', `a ${frame.kind} frame arrived on a data channel (only pieces go there); the peer runs an incompatible payload-file — update both sides`));
    this.current = { header: frame, need: frame.size, parts: [] };
    return at;
  }

  private fault(err: unknown): number {
    this.broken = true;
    this.sink.garbage(err instanceof WireError ? err : new WireError('E_WIRE_DECODE', `unreadable piece frame: ${(err as Error)?.message ?? err}`));
    return -1;
  }
}
