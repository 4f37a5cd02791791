import { FrameDecoder, WireError, type PinholeError, type ReliableStream } from '@pinhole/core';
import { onStreamClose } from './stream-close';
import { decodeFileFrame, encodeFileFrame, MAX_FILE_FRAME, type ControlFrame } from './wire';

/** Where a FrameChannel delivers what happens on its stream. */
export interface FrameSink {
  frame(frame: ControlFrame): void;
  /** Bytes that are not valid frames: the stream is out of step and must be dropped. */
  garbage(err: PinholeError): void;
  /** The peer ended its side of the stream. */
  ended(): void;
  /** The stream is gone (both sides ended, destroyed, or failed with `err`). */
  closed(err?: Error): void;
}

/**
 * The control stream (the file channel): carries every frame but pieces; splits and caps
 * frames before decoding, validates each, and counts bytes both ways.
 */
export class FrameChannel {
  bytesIn = 0;
  bytesOut = 0;
  private readonly decoder = new FrameDecoder(MAX_FILE_FRAME);
  private broken = false;
  private isClosed = false;
  private isEnded = false;
  private drain?: { promise: Promise<void>; resolve: () => void };

  constructor(
    private readonly stream: ReliableStream,
    private readonly sink: FrameSink,
  ) {
    stream.on('data', (chunk) => this.onData(chunk));
    stream.on('end', () => {
      if (this.decoder.pending > 0 && !this.broken)
        this.fault(new WireError('E_FRAME_TRUNCATED', `the file stream ended inside a frame (${this.decoder.pending} bytes of it arrived); the peer stopped mid-frame`));
      sink.ended();
    });
    stream.on('drain', () => this.releaseDrain());
    onStreamClose(stream, (err) => {
      this.isClosed = true;
      this.releaseDrain();
      sink.closed(err);
    });
  }

  get closed(): boolean {
    return this.isClosed || this.stream.destroyed;
  }

  /** Whether frames can still be written (our side not ended, stream not gone). */
  get writable(): boolean {
    return !this.isEnded && !this.closed;
  }

  /** Sends a control frame; false when the stream is buffering (wait for drained()). */
  send(frame: ControlFrame): boolean {
    if (!this.writable) return false;
    const bytes = encodeFileFrame(frame);
    this.bytesOut += bytes.length;
    return this.stream.write(bytes);
  }

  /** Resolves when buffered writes have gone out (or the stream closed). */
  drained(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.drain) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.drain = { promise, resolve };
    }
    return this.drain.promise;
  }

  end(): void {
    if (!this.writable) return;
    this.isEnded = true;
    this.stream.end();
  }

  destroy(): void {
    if (!this.stream.destroyed) this.stream.destroy();
  }

  private releaseDrain(): void {
    const d = this.drain;
    this.drain = undefined;
    d?.resolve();
  }

  private onData(chunk: Buffer): void {
    if (this.broken) return;
    this.bytesIn += chunk.length;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      return this.fault(err);
    }
    for (const bytes of frames) {
      let frame: ControlFrame;
      try {
        const f = decodeFileFrame(bytes);
        if (f.kind === 'piece') throw new WireError('E_WIRE_INVALID', 'a piece arrived on the control stream (pieces go on data channels); the peer runs an incompatible payload-file — update both sides');
        frame = f;
      } catch (err) {
        return this.fault(err);
      }
      this.sink.frame(frame);
      if (this.broken || this.closed) return;
    }
  }

  private fault(err: unknown): void {
    this.broken = true;
    this.sink.garbage(err instanceof WireError ? err : new WireError('E_WIRE_DECODE', `unreadable file frame: ${(err as Error)?.message ?? err}`));
  }

  /** Stops reading frames (after a fault the rest of the stream cannot be trusted). */
  stopReading(): void {
    this.broken = true;
  }
}
