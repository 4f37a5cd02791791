import type { DatagramSession } from '@pinhole/core';
import { FILE_CHANNEL } from './options';
import { PieceChannel, type PieceSink } from './piece-channel';

/**
 * The data channels of a file endpoint: reliable streams FILE_CHANNEL + 1 + k of the session,
 * opened on first need and kept for the endpoint's life. Each carries pieces both ways (this
 * side's outgoing file one way, the peer's the other). Only `openReliableStream` is used, so
 * whatever the session wraps its streams in (encryption) applies to every channel.
 */
export class DataStreams {
  private readonly channels: PieceChannel[] = [];

  constructor(
    private readonly session: DatagramSession,
    private readonly sink: (k: number) => PieceSink,
  ) {}

  /** Channels 0…n−1, opening the ones not open yet. */
  open(n: number): PieceChannel[] {
    for (let k = this.channels.length; k < n; k++) {
      this.channels.push(new PieceChannel(k, this.session.openReliableStream(FILE_CHANNEL + 1 + k), this.sink(k)));
    }
    return this.channels.slice(0, n);
  }

  get count(): number {
    return this.channels.length;
  }

  get bytes(): number {
    return this.channels.reduce((n, c) => n + c.bytesIn + c.bytesOut, 0);
  }

  end(): void {
    for (const c of this.channels) c.end();
  }

  destroy(): void {
    for (const c of this.channels) c.destroy();
  }
}
