import { Resampler } from './resampler';
import { WavWriter } from './wav';

/**
 * Writes what the peer said to a WAV, in playout order (one codec frame per slot, so sample n
 * of the file is sample n of the peer's input). Drops the codec's look-ahead first so the
 * recording lines up with the input, and resamples when the file's rate is not the codec's.
 */
export class Recorder {
  private readonly resampler: Resampler;
  private toSkip: number;
  private closed = false;

  constructor(private readonly writer: WavWriter, private readonly codecRate: number, skipSamples: number) {
    this.resampler = new Resampler(codecRate, writer.sampleRate);
    this.toSkip = skipSamples;
  }

  get file(): string {
    return this.writer.file;
  }

  write(pcm: Int16Array): void {
    if (this.closed) return;
    let part = pcm;
    if (this.toSkip > 0) {
      const skip = Math.min(this.toSkip, part.length);
      this.toSkip -= skip;
      part = part.subarray(skip);
    }
    this.writer.write(this.resampler.process(part));
  }

  /** Closes the file; `endSamples` (at the codec rate) is where the peer's input ended, if known. */
  close(endSamples?: number): number {
    if (!this.closed) {
      this.closed = true;
      this.writer.write(this.resampler.flush());
      const length = endSamples === undefined ? undefined : Math.round((endSamples * this.writer.sampleRate) / this.codecRate);
      this.writer.close(length);
    }
    return this.writer.samples;
  }
}
