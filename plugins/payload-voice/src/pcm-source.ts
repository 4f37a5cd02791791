import type { PcmAudio } from '@pinhole/core';
import { Resampler } from './resampler';

/**
 * Cuts an input into codec frames at the codec's clock rate, resampling lazily (one input chunk
 * per frame) so a long file is never held twice. The last frame is zero-padded, and `padSamples`
 * more zeros follow the input so the codec's look-ahead flushes the final samples through.
 */
export class PcmSource {
  /** Input length at the codec rate: where the stream ends (Bye.end_timestamp). */
  readonly totalSamples: number;
  private readonly resampler: Resampler;
  private readonly chunk: number;
  private readonly limit: number;
  private readAt = 0;
  private pending = new Int16Array(0);
  private produced = 0;
  private flushed = false;

  constructor(private readonly audio: PcmAudio, clockRate: number, readonly frameSamples: number, padSamples = 0) {
    this.resampler = new Resampler(audio.sampleRate, clockRate);
    this.totalSamples = this.resampler.outputLength(audio.samples.length);
    this.limit = this.totalSamples + padSamples;
    this.chunk = Math.max(1, Math.ceil((frameSamples * audio.sampleRate) / clockRate));
  }

  /** The next frame, or undefined once the input (and padding) is used up. */
  next(): Int16Array | undefined {
    if (this.produced >= this.limit) return undefined;
    while (this.pending.length < this.frameSamples && !this.flushed) {
      if (this.readAt < this.audio.samples.length) {
        const part = this.audio.samples.subarray(this.readAt, this.readAt + this.chunk);
        this.readAt += part.length;
        this.append(this.resampler.process(part));
      } else {
        this.append(this.resampler.flush());
        this.flushed = true;
      }
    }
    const frame = new Int16Array(this.frameSamples);
    const take = Math.min(this.frameSamples, this.pending.length);
    frame.set(this.pending.subarray(0, take));
    this.pending = this.pending.subarray(take);
    this.produced += this.frameSamples;
    return frame;
  }

  private append(samples: Int16Array): void {
    if (samples.length === 0) return;
    const joined = new Int16Array(this.pending.length + samples.length);
    joined.set(this.pending);
    joined.set(samples, this.pending.length);
    this.pending = joined;
  }
}
