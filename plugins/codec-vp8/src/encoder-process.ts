import { i420Size, type EncodedVideoFrame, type VideoEncoderSettings } from '@pinhole/core';
import { FfmpegChild, ffmpegFailed } from './ffmpeg-child';
import { IvfParser } from './ivf';
import type { Vp8Options } from './options';

interface Pending {
  warm: boolean;
  resolve(f: EncodedVideoFrame): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout;
}

const STARTUP_TIMEOUT_MS = 20000;

/** ffmpeg's libvpx in realtime mode: no look-ahead, no alt-ref, CBR with a one-second buffer. */
export function encoderArgs(o: Vp8Options, s: VideoEncoderSettings): string[] {
  const kbps = `${Math.max(1, Math.round(s.bitrate / 1000))}k`;
  return [
    ...['-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-video_size', `${s.width}x${s.height}`, '-framerate', String(Math.round(s.frameRate * 1000) / 1000), '-i', 'pipe:0'],
    ...['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', String(o.cpuUsed), '-threads', String(o.threads)],
    ...['-error-resilient', '1', '-lag-in-frames', '0', '-auto-alt-ref', '0', '-g', '100000', '-max-intra-rate', String(o.maxIntraRate)],
    ...['-b:v', kbps, '-minrate', kbps, '-maxrate', kbps, '-bufsize', kbps, '-qmin', '2', '-qmax', '56', '-undershoot-pct', '100'],
    // Frame 0 is the warm-up frame (a keyframe nobody sees); frame 1, the first real one, is forced to be a keyframe.
    ...['-force_key_frames', 'expr:eq(n,1)', '-fps_mode', 'passthrough', '-flush_packets', '1', '-f', 'ivf', 'pipe:1'],
  ];
}

/**
 * One ffmpeg encoder process with fixed settings. ffmpeg cannot change libvpx's bitrate or
 * force a keyframe while it runs, so the encoder switches processes for both; to make the
 * switch cheap every process is fed a grey warm-up frame as soon as it starts (process start
 * and libvpx initialisation, ~60–400 ms on a loaded machine, happen then), and its first real
 * frame is a forced keyframe. `ready` resolves when the warm-up frame has come back.
 */
export class EncoderProcess {
  readonly settings: Readonly<VideoEncoderSettings>;
  readonly ready: Promise<void>;
  isReady = false;
  private readonly child: FfmpegChild;
  private readonly parser: IvfParser;
  private readonly pending: Pending[] = [];
  private failure?: Error;

  constructor(private readonly o: Vp8Options, settings: VideoEncoderSettings) {
    this.settings = Object.freeze({ ...settings });
    this.parser = new IvfParser(i420Size(settings.width, settings.height) * 2);
    this.child = new FfmpegChild(o.ffmpeg, encoderArgs(o, settings), (chunk) => this.onOutput(chunk));
    void this.child.exited.then(() => this.fail(ffmpegFailed('encoder exited', this.child)));
    const grey = Buffer.alloc(i420Size(settings.width, settings.height), 128);
    this.ready = this.push(grey, true).then(() => void (this.isReady = true));
    this.ready.catch(() => undefined);
  }

  get alive(): boolean {
    return !this.failure;
  }

  encode(i420: Buffer): Promise<EncodedVideoFrame> {
    return this.push(i420, false);
  }

  stop(): Promise<void> {
    this.fail(ffmpegFailed('encoder was stopped', this.child));
    return this.child.stop();
  }

  private push(i420: Buffer, warm: boolean): Promise<EncodedVideoFrame> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      // Starting ffmpeg and libvpx is slow on a loaded machine; only the warm-up frame pays for it.
      const limit = warm ? Math.max(STARTUP_TIMEOUT_MS, this.o.frameTimeoutMs) : this.o.frameTimeoutMs;
      const timer = setTimeout(() => {
        this.fail(ffmpegFailed(`encoder returned no frame within ${limit} ms`, this.child));
        void this.child.stop(0);
      }, limit);
      this.pending.push({ warm, resolve, reject, timer });
      this.child.write(i420);
    });
  }

  private onOutput(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.parser.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      void this.child.stop(0);
      return;
    }
    for (const data of frames) {
      const p = this.pending.shift();
      if (!p) continue;
      clearTimeout(p.timer);
      p.resolve({ data, keyframe: (data[0] & 1) === 0 });
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(this.failure);
    }
  }
}
