import { i420Size, type VideoFrame } from '@pinhole/core';
import type { Y4mWriter } from './y4m-file';

/**
 * Writes what is shown to a Y4M, one frame per frame of the sender's input: a source frame that
 * never came (skipped by the sender, lost, or after a broken chain) repeats the last picture
 * shown — what a viewer would see during the freeze — so frame n of the file is frame n of the
 * input and the two compare directly (ffmpeg's psnr filter).
 */
export class VideoRecorder {
  private written = 0;
  private last?: VideoFrame;

  constructor(private readonly writer: Y4mWriter) {}

  get frames(): number {
    return this.written;
  }

  show(sourceIndex: number, frame: VideoFrame): void {
    if (sourceIndex < this.written) return;
    this.fill(sourceIndex);
    this.writer.write(frame);
    this.written++;
    this.last = frame;
  }

  /** Pads to `total` frames (the sender's input length) and closes the file. */
  close(total?: number): number {
    if (total !== undefined) this.fill(total);
    this.writer.close();
    return this.written;
  }

  private fill(upTo: number): void {
    const { width, height } = this.writer.header;
    const still = this.last ?? { width, height, data: grey(width, height) };
    while (this.written < upTo) {
      this.writer.write(still);
      this.written++;
    }
  }
}

function grey(width: number, height: number): Buffer {
  const b = Buffer.alloc(i420Size(width, height), 128);
  b.fill(16, 0, width * height); // black luma, neutral chroma
  return b;
}
