import { CodecError, type Logger, type VideoDecoder, type VideoFrame, type VideoStats } from '@pinhole/core';
import { FrameAssembler, type AssembledFrame, type AssemblerLimits } from './assembler';
import { DelayEstimator } from './delay-estimator';
import { PlayoutDelay } from './playout-delay';
import { ReceiveTracker } from './receive-tracker';
import type { VideoRecorder } from './recorder';
import type { ByeMsg, FragmentMsg } from './wire';

export interface ReceiverConfig {
  interFrame: boolean;
  frameRate: number;
  limits: AssemblerLimits;
  minDelayMs: number;
  maxDelayMs: number;
  nackWindowMs: number;
  estimator: { startBps: number; minBps: number; maxBps: number };
  now(): number;
  log: Logger;
}

/** The receive side's counters, as VideoStats names them. */
export type ReceiverStats = Pick<VideoStats, 'framesReceived' | 'framesDecoded' | 'framesDropped' | 'keyframesReceived' | 'freezeCount' | 'freezeMs' | 'longestFreezeMs' | 'packetsMalformed' | 'pliSent'>;

/**
 * The other direction: fragments are counted and NACKed (ReceiveTracker), timed for the
 * bandwidth estimate (DelayEstimator) and reassembled (FrameAssembler); the playout decodes
 * frames in order when due (PlayoutDelay), gives up on a frame still incomplete after its due
 * time, and — for codecs with delta frames — asks for a keyframe (PLI) when the chain is broken
 * and drops delta frames until one comes. Shown frames go to the recorder; gaps in what is
 * shown are counted as freezes.
 */
export class VideoReceiver {
  readonly stats: ReceiverStats = { framesReceived: 0, framesDecoded: 0, framesDropped: 0, keyframesReceived: 0, freezeCount: 0, freezeMs: 0, longestFreezeMs: 0, packetsMalformed: 0, pliSent: 0 };
  readonly tracker: ReceiveTracker;
  readonly estimator: DelayEstimator;
  readonly delay: PlayoutDelay;
  /** Set when a keyframe must be asked for; the call sends the PLI and clears it. */
  pliWanted = false;
  private readonly asm: FrameAssembler;
  private chainOk: boolean;
  private decoding = false;
  private lastShownAt?: number;
  private readonly shownLog: number[] = [];
  private bye?: { msg: ByeMsg; at: number };
  private lastPliAt = -Infinity;
  private decodeMs = 10;

  /** Set once the codec's decoder is up (an ffmpeg child takes a moment); fragments are taken before. */
  decoder?: VideoDecoder;

  constructor(private readonly cfg: ReceiverConfig, private readonly recorder: VideoRecorder | undefined) {
    this.tracker = new ReceiveTracker(cfg.nackWindowMs);
    this.estimator = new DelayEstimator(cfg.estimator);
    this.delay = new PlayoutDelay(cfg.minDelayMs, cfg.maxDelayMs);
    this.asm = new FrameAssembler(cfg.limits);
    this.chainOk = !cfg.interFrame;
  }

  /** True once the peer said BYE and every frame up to its last was shown or given up. */
  get ended(): boolean {
    return !!this.bye && !this.decoding && this.asm.next > this.bye.msg.lastFrameId;
  }

  get sourceFrames(): number | undefined {
    return this.bye?.msg.sourceFrames;
  }

  get bufferedBytes(): number {
    return this.asm.bufferedBytes;
  }

  get decodeTimeMs(): number {
    return this.decodeMs;
  }

  /** Frames shown over the last second. */
  frameRate(now: number): number {
    while (this.shownLog.length && now - this.shownLog[0] > 1000) this.shownLog.shift();
    return this.shownLog.length;
  }

  onFragment(f: FragmentMsg, bytes: number, now: number): void {
    const { fresh, overflow } = this.tracker.onPacket(f.seq, f.retransmit, f.sendMs, now);
    if (overflow) this.breakChain('too many packets missing');
    if (!fresh) return;
    // Until a frame is complete, the first fragment's transit stands in for the base delay.
    this.delay.base ??= now - f.captureMs;
    if (!f.retransmit && this.estimator.onPacket(f.sendMs, now, bytes)) this.urgentFeedback = true;
    const outcome = this.asm.add(f, now);
    if (outcome === 'malformed') this.stats.packetsMalformed++;
    if (outcome !== 'ok') return;
    const fr = this.asm.get(f.frameId);
    if (fr?.data) {
      this.stats.framesReceived++;
      if (fr.keyframe) this.stats.keyframesReceived++;
      if (!fr.repaired) this.delay.observe(fr.lastArrival - fr.captureMs);
    }
  }

  /** Set when the estimate fell: the call sends feedback at once instead of at the next report. */
  urgentFeedback = false;

  onBye(bye: ByeMsg, now: number): void {
    this.bye ??= { msg: bye, at: now };
  }

  /** Decodes and shows whatever is due; gives up on frames that are late beyond repair. */
  tick(now: number, rttMs: number, extraDelayMs = 0): void {
    if (this.tracker.lost > 0) this.delay.lossSeen = true;
    while (!this.decoding && this.decoder) {
      if (this.bye && this.asm.next > this.bye.msg.lastFrameId) return;
      const rate = Math.max(200_000, this.estimator.incomingBps(now));
      // A frame is due at its capture time + base transit + target delay, plus the time its bytes
      // take at the current receive rate (a keyframe is many times a delta frame).
      const due = (f: AssembledFrame) => this.delay.due(f.captureMs, rttMs, extraDelayMs + this.decodeMs) + (f.total * 8 * 1000) / rate;
      const f = this.asm.get(this.asm.next);
      if (f?.data) {
        if (due(f) > now) return;
        if (!this.chainOk && !f.keyframe) {
          this.drop(1, 'delta frame after a broken chain');
          continue;
        }
        this.decode(f);
        return;
      }
      // Waiting longer costs a longer freeze; giving up costs one too, until a keyframe comes
      // (a round trip, an encoder switch and a big frame). So an incomplete frame gets two NACK
      // rounds past its due time, and more while its fragments are still coming; a frame with
      // nothing received, one round trip past a later complete frame's.
      const later = this.asm.firstAfterNext();
      const givenUp =
        (f && due(f) + 2 * rttMs + 100 <= now && now - f.lastArrival > rttMs) ||
        (!f && later?.data && due(later) + rttMs + 50 <= now) ||
        (this.bye && now - this.bye.at > this.delay.target(rttMs) + 2 * rttMs + 200);
      if (!givenUp) return;
      this.drop(1, f ? 'incomplete at its deadline' : 'nothing of it arrived');
      if (this.cfg.interFrame) this.breakChain('a frame could not be recovered');
    }
  }

  /** Plays out the rest at once (the call is over). */
  async finish(): Promise<void> {
    while (this.decoding) await new Promise((r) => setTimeout(r, 5));
  }

  /** Whether a PLI may go now (at most one per 1.5 round trips, 200 ms at least). */
  takePli(now: number, rttMs: number): boolean {
    if (!this.pliWanted || now - this.lastPliAt < Math.max(200, 1.5 * rttMs)) return false;
    this.lastPliAt = now;
    this.stats.pliSent++;
    return true;
  }

  private breakChain(why: string): void {
    if (!this.cfg.interFrame) return;
    if (this.chainOk) this.cfg.log.debug('video chain broken: asking for a keyframe', { why });
    this.chainOk = false;
    this.pliWanted = true;
    // Skip straight to a keyframe already on its way, if any.
    const k = this.asm.nextKeyframe();
    if (k && k.frameId > this.asm.next) this.drop(k.frameId - this.asm.next, 'skipped to the next keyframe');
  }

  private drop(n: number, why: string): void {
    this.stats.framesDropped += n;
    this.cfg.log.debug('video frames dropped', { n, why, at: this.asm.next });
    this.asm.advance(this.asm.next + n);
  }

  private decode(f: AssembledFrame): void {
    this.decoding = true;
    const t0 = performance.now();
    (this.decoder as VideoDecoder)
      .decode(f.data as Buffer)
      .then(
        (pic) => {
          this.decodeMs = 0.9 * this.decodeMs + 0.1 * (performance.now() - t0);
          if (f.keyframe) {
            this.chainOk = true;
            this.pliWanted = false;
          }
          this.show(f, pic);
        },
        (err) => {
          if (!(err instanceof CodecError)) throw err;
          this.stats.framesDropped++;
          if (this.asm.next === f.frameId) this.asm.advance();
          this.cfg.log.debug('undecodable video frame', { code: err.code, frameId: f.frameId, error: err.message });
          if (this.cfg.interFrame) this.breakChain(err.code);
        },
      )
      .finally(() => {
        this.decoding = false;
        if (this.asm.next === f.frameId) this.asm.advance();
      })
      .catch((err) => this.cfg.log.warn('video decoder failed', { error: (err as Error).message }));
  }

  private show(f: AssembledFrame, pic: VideoFrame): void {
    const now = this.cfg.now();
    this.stats.framesDecoded++;
    if (this.lastShownAt !== undefined) {
      const gap = now - this.lastShownAt;
      const interval = 1000 / this.cfg.frameRate;
      if (gap > Math.max(3 * interval, interval + 150)) {
        this.stats.freezeCount++;
        this.stats.freezeMs += gap;
        this.stats.longestFreezeMs = Math.max(this.stats.longestFreezeMs, gap);
      }
    }
    this.lastShownAt = now;
    this.shownLog.push(now);
    this.recorder?.show(f.sourceIndex, pic);
  }
}
