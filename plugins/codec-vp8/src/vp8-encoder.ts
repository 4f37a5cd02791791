import { checkVideoFrame, checkVideoSettings, videoCodecDisposed, type EncodedVideoFrame, type VideoEncoder, type VideoEncoderSettings, type VideoFrame } from '@pinhole/core';
import { EncoderProcess } from './encoder-process';
import type { Vp8Options } from './options';

const LIMITS = { name: 'vp8', maxWidth: 4096, maxHeight: 4096 };

/**
 * VP8 encoder over ffmpeg processes: `current` encodes, `spare` waits warmed up with the
 * settings wanted next. A keyframe request or a bitrate / frame-rate change switches to the
 * spare at the next frame (its first real frame is a keyframe) and starts a new spare; the old
 * process is stopped. Rate changes therefore cost a keyframe each, so small ones are ignored
 * (rateChangeThreshold) and increases are spaced (rateChangeIntervalMs).
 */
export class Vp8Encoder implements VideoEncoder {
  private current: EncoderProcess;
  private spare!: EncoderProcess;
  private wanted: VideoEncoderSettings;
  private keyframeWanted = false;
  private lastRateSwitch = performance.now();
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  /** Switches made, and how long the frame after each took (for bench/video.js). */
  readonly switches: Array<{ reason: 'keyframe' | 'rate' | 'restart'; frameMs: number }> = [];

  constructor(private readonly o: Vp8Options, settings: VideoEncoderSettings) {
    checkVideoSettings(LIMITS, settings);
    this.wanted = { ...settings };
    this.current = new EncoderProcess(o, this.wanted);
    // The spare starts once the first process is up, so two ffmpeg starts do not compete for the CPU.
    this.spareStarting = this.current.ready.catch(() => undefined).then(() => {
      if (!this.disposed) this.spare = new EncoderProcess(o, this.wanted);
    });
  }

  private spareStarting: Promise<void>;

  get settings(): Readonly<VideoEncoderSettings> {
    return this.current.settings;
  }

  /** Resolves once the first process has started and encoded its warm-up frame. */
  whenReady(): Promise<void> {
    return this.current.ready;
  }

  encode(frame: VideoFrame, opts: { keyframe?: boolean } = {}): Promise<EncodedVideoFrame> {
    if (this.disposed) return Promise.reject(videoCodecDisposed('vp8'));
    try {
      checkVideoFrame('vp8', this.wanted, frame);
    } catch (err) {
      return Promise.reject(err);
    }
    if (opts.keyframe) this.keyframeWanted = true;
    const run = this.queue.then(() => this.encodeNow(frame));
    this.queue = run.catch(() => undefined);
    return run;
  }

  configure(change: Partial<Pick<VideoEncoderSettings, 'bitrate' | 'frameRate'>>): void {
    if (this.disposed) throw videoCodecDisposed('vp8');
    const next = { ...this.wanted, ...change };
    checkVideoSettings(LIMITS, next);
    const base = this.current.settings;
    const rel = Math.abs(next.bitrate - base.bitrate) / base.bitrate;
    const fpsChanged = Math.abs(next.frameRate - base.frameRate) > 0.01;
    const bigDrop = next.bitrate < base.bitrate && rel >= 2 * this.o.rateChangeThreshold;
    const spaced = performance.now() - this.lastRateSwitch >= this.o.rateChangeIntervalMs;
    const rateWorthIt = rel >= this.o.rateChangeThreshold && (bigDrop || spaced);
    if (!fpsChanged && !rateWorthIt) return;
    if (!rateWorthIt) next.bitrate = base.bitrate;
    // The spare is left to warm up; encodeNow() swaps it for one with these settings once it is ready.
    this.wanted = next;
  }

  requestKeyframe(): void {
    if (this.disposed) throw videoCodecDisposed('vp8');
    this.keyframeWanted = true;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue;
    await this.spareStarting;
    await Promise.all([this.current.stop(), this.spare?.stop()]);
  }

  private async encodeNow(frame: VideoFrame): Promise<EncodedVideoFrame> {
    if (this.disposed) throw videoCodecDisposed('vp8');
    await this.current.ready.catch(() => undefined);
    await this.spareStarting;
    let reason: 'keyframe' | 'rate' | 'restart' | undefined;
    if (!this.current.alive) reason = 'restart';
    else if (this.keyframeWanted) reason = 'keyframe';
    else if (!same(this.current.settings, this.wanted)) reason = 'rate';
    if (reason) {
      if (!this.spare.alive) this.replaceSpare();
      // Only a dead encoder waits for the spare; otherwise this frame goes out from the current
      // process and the switch happens with the first frame after the spare is warm.
      if (reason === 'restart') await this.spare.ready.catch(() => undefined);
      if (reason === 'rate' && this.spare.isReady && !same(this.spare.settings, this.wanted)) {
        this.replaceSpare(); // warmed with settings no longer wanted: one warm-up per change at most
        reason = undefined;
      } else if (this.spare.isReady && this.spare.alive) this.switchToSpare(reason);
      else reason = undefined;
    }
    const t0 = performance.now();
    const out = await this.current.encode(frame.data);
    if (reason && this.switches.length) this.switches[this.switches.length - 1].frameMs = performance.now() - t0;
    if (out.keyframe) this.keyframeWanted = false;
    return out;
  }

  private switchToSpare(reason: 'keyframe' | 'rate' | 'restart'): void {
    const old = this.current;
    this.current = this.spare;
    if (!same(old.settings, this.current.settings)) this.lastRateSwitch = performance.now();
    this.spare = new EncoderProcess(this.o, this.wanted);
    this.switches.push({ reason, frameMs: 0 });
    void old.stop();
  }

  private replaceSpare(): void {
    void this.spare.stop();
    this.spare = new EncoderProcess(this.o, this.wanted);
  }
}

function same(a: Readonly<VideoEncoderSettings>, b: Readonly<VideoEncoderSettings>): boolean {
  return a.bitrate === b.bitrate && Math.abs(a.frameRate - b.frameRate) < 0.01 && a.width === b.width && a.height === b.height;
}
