import { checkVideoPayload, CodecError, i420Size, videoCodecDisposed, Y4mStreamParser, type VideoDecoder, type VideoFrame } from '@pinhole/core';
import { FfmpegChild, ffmpegFailed } from './ffmpeg-child';
import { ivfFileHeader, ivfFrameHeader } from './ivf';
import type { Vp8Options } from './options';
import { parseVp8Header } from './vp8-header';

/** After ffmpeg reports a decoding error, a frame that still comes within this belongs to the payload. */
const ERROR_GRACE_MS = 30;
const STARTUP_TIMEOUT_MS = 20000;

/**
 * VP8 decoder: one ffmpeg process reading IVF on stdin and writing Y4M on stdout (its rawvideo
 * output holds each frame back until the next arrives; Y4M does not). Payloads go one at a
 * time, so the next frame out (or an error line) belongs to the payload in flight. Headers are
 * checked here first (parseVp8Header), so garbage is refused without a round trip.
 */
export class Vp8Decoder implements VideoDecoder {
  private child!: FfmpegChild;
  private parser!: Y4mStreamParser;
  private waiting?: { resolve(f: VideoFrame): void; reject(e: unknown): void; timer: NodeJS.Timeout; grace?: NodeJS.Timeout; error?: string };
  private queue: Promise<unknown> = Promise.resolve();
  private haveKeyframe = false;
  /** A frame has come out of this process: ffmpeg is up. */
  private warm = false;
  private pts = 0;
  private disposed = false;
  private readonly maxPayload: number;

  constructor(private readonly o: Vp8Options, private readonly width: number, private readonly height: number) {
    this.maxPayload = i420Size(width, height) * 2;
    this.start();
  }

  decode(payload: Buffer): Promise<VideoFrame> {
    if (this.disposed) return Promise.reject(videoCodecDisposed('vp8'));
    try {
      this.check(payload);
    } catch (err) {
      return Promise.reject(err);
    }
    const run = this.queue.then(() => this.decodeNow(payload));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue;
    await this.child.stop();
  }

  private check(payload: Buffer): void {
    checkVideoPayload('vp8', payload, this.maxPayload);
    const info = parseVp8Header(payload);
    if (typeof info === 'string') throw new CodecError('E_CODEC_PAYLOAD', `vp8 payload is not a VP8 frame: ${info}`, { codec: 'vp8' });
    if (!info.show) throw new CodecError('E_CODEC_PAYLOAD', 'vp8 payload is an invisible (alt-ref) frame; realtime streams carry none', { codec: 'vp8' });
    if (info.keyframe && (info.width !== this.width || info.height !== this.height))
      throw new CodecError('E_CODEC_PAYLOAD', `vp8 keyframe is ${info.width}×${info.height}, the stream is ${this.width}×${this.height}`, { codec: 'vp8' });
    if (!info.keyframe && !this.haveKeyframe) throw new CodecError('E_CODEC_KEYFRAME_NEEDED', 'vp8 delta frame before any keyframe: request a keyframe', { codec: 'vp8' });
    if (info.keyframe) this.haveKeyframe = true;
  }

  private start(): void {
    this.haveKeyframe = false;
    this.warm = false;
    this.parser = new Y4mStreamParser('ffmpeg vp8 decoder output');
    const args = ['-threads', String(this.o.threads), '-f', 'ivf', '-i', 'pipe:0', '-fps_mode', 'passthrough', '-pix_fmt', 'yuv420p', '-flush_packets', '1', '-f', 'yuv4mpegpipe', 'pipe:1'];
    const child = new FfmpegChild(this.o.ffmpeg, args, (chunk) => this.onOutput(chunk), (line) => this.onError(line));
    this.child = child;
    child.write(ivfFileHeader(this.width, this.height, 30, 1));
    void child.exited.then(() => {
      if (this.child === child) this.settle(undefined, ffmpegFailed('decoder exited', child));
    });
  }

  private decodeNow(payload: Buffer): Promise<VideoFrame> {
    if (this.disposed) return Promise.reject(videoCodecDisposed('vp8'));
    if (!this.child.alive) {
      this.start();
      if (payload[0] & 1) return Promise.reject(new CodecError('E_CODEC_KEYFRAME_NEEDED', 'vp8 decoder restarted: request a keyframe', { codec: 'vp8' }));
      this.haveKeyframe = true;
    }
    // The first frame also waits for ffmpeg to start, which is slow on a loaded machine.
    const limit = this.warm ? this.o.frameTimeoutMs : Math.max(STARTUP_TIMEOUT_MS, this.o.frameTimeoutMs);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const child = this.child;
        this.settle(undefined, ffmpegFailed(`decoder returned no frame within ${limit} ms`, child));
        void child.stop(0);
      }, limit);
      this.waiting = { resolve, reject, timer };
      this.child.write(Buffer.concat([ivfFrameHeader(payload.length, this.pts++), payload]));
    });
  }

  private onOutput(chunk: Buffer): void {
    let frames: VideoFrame[];
    try {
      frames = this.parser.push(chunk);
    } catch (err) {
      this.settle(undefined, new CodecError('E_CODEC_INTERNAL', `vp8 decoder output unreadable: ${(err as Error).message}`, { codec: 'vp8' }));
      void this.child.stop(0);
      return;
    }
    for (const f of frames) {
      this.warm = true;
      this.settle(f);
    }
  }

  private onError(line: string): void {
    const w = this.waiting;
    if (!w || w.grace) return;
    w.error = line;
    w.grace = setTimeout(() => this.settle(undefined, new CodecError('E_CODEC_PAYLOAD', `vp8 could not decode the payload: ${line}`, { codec: 'vp8' })), ERROR_GRACE_MS);
  }

  private settle(frame?: VideoFrame, err?: unknown): void {
    const w = this.waiting;
    if (!w) return;
    this.waiting = undefined;
    clearTimeout(w.timer);
    clearTimeout(w.grace);
    if (frame) w.resolve(frame);
    else w.reject(err);
  }
}
