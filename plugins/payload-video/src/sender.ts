import type { Logger, VideoCodec, VideoEncoder, VideoFrame, VideoStats } from '@pinhole/core';
import { RateController } from './delay-estimator';
import { FrameDecimator } from './frame-decimator';
import { Pacer } from './pacer';
import { SendHistory } from './send-history';
import { FRAGMENT_BYTES, type FeedbackMsg, type FragmentMsg, type VideoPacket } from './wire';
import type { Y4mReader } from './y4m-file';

export interface SenderConfig {
  ssrc: number;
  codec: VideoCodec;
  reader: Y4mReader;
  startBitrate: number;
  minBitrate: number;
  maxBitrate: number;
  lowRateBitrate: number;
  pacingFactor: number;
  now(): number;
  log: Logger;
}

/** The send side's counters, as VideoStats names them. */
export type SenderStats = Pick<VideoStats, 'framesSent' | 'keyframesSent' | 'framesSkippedCpu' | 'framesSkippedBandwidth' | 'bytesSent' | 'packetsSent' | 'retransmissionsSent' | 'pliReceived' | 'nackReceived'>;

/** Share of the target left for the encoder: datagram and fragment headers and retransmissions take the rest. */
const ENCODER_SHARE = 0.85;
/** PLIs within this of the last keyframe are answered by it already. */
const PLI_HOLDOFF_MS = 300;
/** Frames queued for the encoder before the source skips (about a quarter second at 15 fps). */
const MAX_IN_FLIGHT = 4;

/**
 * One direction's video: frames are taken from the Y4M at its frame rate (drift-corrected),
 * skipped when the encoder is still busy or the rate control lowered the frame rate, encoded,
 * split into fragments and paced out. Feedback drives retransmissions (NACK), keyframes (PLI)
 * and the target rate (GCC: min of the receiver's delay-based estimate and the loss-based rate).
 */
export class VideoSender {
  readonly stats: SenderStats = { framesSent: 0, framesSkippedCpu: 0, framesSkippedBandwidth: 0, keyframesSent: 0, bytesSent: 0, packetsSent: 0, retransmissionsSent: 0, pliReceived: 0, nackReceived: 0 };
  readonly rate: RateController;
  readonly pacer: Pacer;
  readonly done: Promise<void>;
  private encoder?: VideoEncoder;
  private readonly history = new SendHistory(4000);
  private readonly srcFps: number;
  private index = 0;
  private frameId = 0;
  private seq = 0;
  /** Frames in the encoder now; a few may queue behind the one being encoded (pipes and a busy machine add latency) before frames are skipped. */
  private inFlight = 0;
  private readonly decimator = new FrameDecimator();
  private timer?: NodeJS.Timeout;
  private t0 = 0;
  private lastKeyframeAt = -Infinity;
  private stopped = false;
  private finish!: () => void;
  private fail!: (e: unknown) => void;
  private readonly sentLog: Array<{ at: number; bytes: number }> = [];

  constructor(private readonly cfg: SenderConfig, private readonly out: (p: VideoPacket) => number) {
    this.srcFps = cfg.reader.frameRate;
    this.rate = new RateController({ startBps: cfg.startBitrate, minBps: cfg.minBitrate, maxBps: cfg.maxBitrate });
    this.pacer = new Pacer(cfg.pacingFactor * cfg.startBitrate, cfg.now);
    this.done = new Promise((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
    this.done.catch(() => undefined);
  }

  get encoderBitrate(): number {
    return this.encoder?.settings.bitrate ?? 0;
  }

  get frameRate(): number {
    return this.encoder?.settings.frameRate ?? this.srcFps;
  }

  get sourceFrames(): number {
    return this.index;
  }

  get lastFrameId(): number {
    return this.frameId - 1;
  }

  /** Bits per second that left over the last second. */
  sendBitrate(now: number): number {
    while (this.sentLog.length && now - this.sentLog[0].at > 1000) this.sentLog.shift();
    return this.sentLog.reduce((s, x) => s + x.bytes, 0) * 8;
  }

  async start(): Promise<void> {
    const { width, height } = this.cfg.reader.header;
    const bitrate = this.encoderRate(this.rate.target);
    this.encoder = await this.cfg.codec.createEncoder({ width, height, frameRate: this.fpsFor(bitrate), bitrate });
    this.t0 = this.cfg.now();
    this.schedule();
  }

  onFeedback(fb: FeedbackMsg, now: number, rttMs: number): void {
    if (this.stopped || !this.encoder) return;
    for (const seq of fb.nack) {
      this.stats.nackReceived++;
      const f = this.history.resend(seq, now, rttMs);
      if (f) this.pacer.push({ size: f.payload.length + 60, send: () => this.emit({ ...f, retransmit: true }, true) }, true);
    }
    if (fb.pli) {
      this.stats.pliReceived++;
      if (now - this.lastKeyframeAt > PLI_HOLDOFF_MS) this.encoder.requestKeyframe();
    }
    if (fb.sourceSsrc === this.cfg.ssrc && (fb.estimateBps > 0 || fb.received > 0)) {
      this.rate.onFeedback(fb.lossFraction, fb.estimateBps, now);
      this.applyRate();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.pacer.stop();
    this.cfg.reader.close();
    await this.encoder?.dispose();
    this.finish();
  }

  private applyRate(): void {
    const target = this.rate.target;
    this.pacer.rate = this.cfg.pacingFactor * target;
    const bitrate = this.encoderRate(target);
    try {
      this.encoder?.configure({ bitrate, frameRate: this.fpsFor(bitrate) });
    } catch (err) {
      this.cfg.log.debug('encoder refused a rate', { error: (err as Error).message });
    }
  }

  private encoderRate(target: number): number {
    return Math.round(target * ENCODER_SHARE);
  }

  private fpsFor(bitrate: number): number {
    return bitrate < this.cfg.lowRateBitrate ? this.srcFps / 2 : this.srcFps;
  }

  private schedule(): void {
    if (this.stopped) return;
    const due = this.t0 + (this.index * 1000) / this.srcFps;
    this.timer = setTimeout(() => this.tick(), Math.max(0, due - this.cfg.now()));
  }

  private tick(): void {
    if (this.stopped) return;
    let frame: VideoFrame | undefined;
    try {
      frame = this.cfg.reader.next();
    } catch (err) {
      this.fail(err);
      void this.stop();
      return;
    }
    if (!frame) {
      void this.drained().then(() => this.finish());
      return;
    }
    const index = this.index++;
    const captureMs = this.t0 + (index * 1000) / this.srcFps;
    // Until the encoder has switched to a lower target (vp8 needs a warm spare process), frames
    // are skipped in proportion, so what leaves follows the estimate at once.
    const overshoot = this.encoderBitrate > 0 ? Math.min(1, this.encoderRate(this.rate.target) / this.encoderBitrate) : 1;
    const wanted = this.decimator.admit((overshoot * this.frameRate) / this.srcFps);
    // Skip also while the encoder is behind, or while more than half a second of datagrams waits
    // in the pacer (the path cannot take more now).
    const backlog = this.pacer.queuedBytes * 8 > 0.5 * this.rate.target;
    if (!wanted || backlog) this.stats.framesSkippedBandwidth++;
    else if (this.inFlight >= MAX_IN_FLIGHT) this.stats.framesSkippedCpu++;
    else void this.encode(frame, index, captureMs);
    this.schedule();
  }

  private async encode(frame: VideoFrame, sourceIndex: number, captureMs: number): Promise<void> {
    this.inFlight++;
    try {
      const enc = await (this.encoder as VideoEncoder).encode(frame);
      if (this.stopped) return;
      const frameId = this.frameId++;
      this.stats.framesSent++;
      if (enc.keyframe) {
        this.stats.keyframesSent++;
        this.lastKeyframeAt = this.cfg.now();
      }
      for (let offset = 0; offset < enc.data.length; offset += FRAGMENT_BYTES) {
        const f: FragmentMsg = {
          ssrc: this.cfg.ssrc,
          seq: 0, // numbered when it leaves: a gap in sequence numbers then means loss on the path

          frameId,
          sourceIndex,
          keyframe: enc.keyframe,
          offset,
          total: enc.data.length,
          captureMs,
          sendMs: 0,
          retransmit: false,
          payload: enc.data.subarray(offset, offset + FRAGMENT_BYTES),
        };
        this.pacer.push({
          size: f.payload.length + 60,
          send: () => {
            f.seq = this.seq++;
            this.history.put(f);
            this.emit(f, false);
          },
        });
      }
    } catch (err) {
      if (!this.stopped) {
        this.cfg.log.warn('video encoder failed', { error: (err as Error).message });
        this.fail(err);
        void this.stop();
      }
    } finally {
      this.inFlight--;
    }
  }

  private emit(f: FragmentMsg, retransmit: boolean): void {
    const now = this.cfg.now();
    const bytes = this.out({ fragment: { ...f, sendMs: now, retransmit } });
    this.history.sent(f.seq, now);
    this.stats.packetsSent++;
    this.stats.bytesSent += bytes;
    if (retransmit) this.stats.retransmissionsSent++;
    this.sentLog.push({ at: now, bytes });
  }

  private async drained(): Promise<void> {
    while (!this.stopped && (this.inFlight > 0 || !this.pacer.empty)) await new Promise((r) => setTimeout(r, 10));
  }
}
