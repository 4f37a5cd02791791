import { randomInt } from 'crypto';
import {
  CodecError,
  Deferred,
  RoundTrip,
  VideoError,
  type Disposable,
  type Logger,
  type StreamContext,
  type VideoCall,
  type VideoCodec,
  type VideoDecoder,
  type VideoOptions,
  type VideoStats,
  type VideoTarget,
} from '@pinhole/core';
import { chooseVideoCodec } from './negotiation';
import type { VideoPluginOptions } from './options';
import { VideoReceiver } from './receiver';
import { VideoRecorder } from './recorder';
import { VideoSender } from './sender';
import { decodeVideoPacket, encodeVideoPacket, type ByeMsg, type FeedbackMsg, type HelloMsg, type VideoPacket } from './wire';
import { Y4mReader, Y4mWriter } from './y4m-file';

export interface VideoCallConfig {
  codecs: VideoCodec[];
  options: VideoPluginOptions;
  log: Logger;
}

const HELLO_EVERY_MS = 100;
const TICK_MS = 5;
const BYE_REPEATS = 3;
const NO_FRAME = 0xffffffff;

/**
 * One video call over a session's `video` stream, both directions: the Hello exchange (the
 * caller picks the codec), then a VideoSender (if we have input) and a VideoReceiver (if the
 * peer sends), Feedback both ways (NACK, PLI, estimate, receiver report, round trip) and BYE.
 */
export class VideoCallSession implements VideoCall {
  codec = '';
  readonly finished: Promise<void>;
  private readonly t0 = performance.now();
  private readonly hello: HelloMsg;
  private readonly subs: Disposable[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly negotiated = new Deferred();
  private readonly localDone = new Deferred();
  private readonly remoteDone = new Deferred();
  private stream?: StreamContext;
  private peer?: HelloMsg;
  private chosen?: VideoCodec;
  private sender?: VideoSender;
  private receiver?: VideoReceiver;
  private decoder?: VideoDecoder;
  private recorder?: VideoRecorder;
  private reader?: Y4mReader;
  private pendingBye?: ByeMsg;
  private readonly rtt = new RoundTrip();
  private remote?: FeedbackMsg;
  private malformed = 0;
  private closed = false;
  private stopping?: Promise<VideoStats>;
  private final?: VideoStats;
  private endedAt?: number;

  private constructor(private readonly target: VideoTarget, private readonly opts: VideoOptions, private readonly cfg: VideoCallConfig) {
    if (opts.input) this.reader = Y4mReader.open(opts.input);
    const h = this.reader?.header;
    this.hello = {
      ssrc: randomInt(1, 0xffffffff),
      codecs: cfg.codecs.map((c) => c.name),
      selected: '',
      width: h?.width ?? 0,
      height: h?.height ?? 0,
      frameRate: this.reader?.frameRate ?? 0,
      sending: !!this.reader,
    };
    this.finished = Promise.all([this.localDone.promise, this.remoteDone.promise]).then(() => undefined);
    this.finished.catch(() => undefined);
  }

  static async start(target: VideoTarget, opts: VideoOptions, cfg: VideoCallConfig): Promise<VideoCallSession> {
    if (cfg.codecs.length === 0) throw new CodecError('E_CODEC_UNKNOWN', 'no video codec can run here; add plugins/codec-mjpeg (no dependencies) or plugins/codec-vp8 with ffmpeg');
    const call = new VideoCallSession(target, opts, cfg);
    if (call.reader) {
      const { width, height } = call.reader.header;
      const fits = cfg.codecs.filter((c) => width <= c.maxWidth && height <= c.maxHeight);
      if (fits.length === 0) {
        call.reader.close();
        throw new VideoError('E_VIDEO_OPTIONS', `${opts.input}: ${width}×${height} is larger than any installed video codec takes`);
      }
    }
    await call.open();
    return call;
  }

  private now(): number {
    return performance.now() - this.t0;
  }

  private async open(): Promise<void> {
    this.stream = await this.target.session.openStream('video');
    this.subs.push(this.stream.onPayload((p) => this.onPacket(p)));
    this.subs.push(this.target.session.onClose((reason) => this.onSessionClosed(reason)));
    this.sendHello();
    const helloTimer = setInterval(() => this.sendHello(), HELLO_EVERY_MS);
    const limit = this.opts.negotiateTimeoutMs ?? 10_000;
    const timer = setTimeout(
      () => this.negotiated.reject(new VideoError('E_VIDEO_NEGOTIATION_TIMEOUT', `the peer did not answer the video offer within ${limit} ms; is it running with --video or --inbox?`, { callId: this.target.callId })),
      limit,
    );
    try {
      await this.negotiated.promise;
    } catch (err) {
      await this.stop();
      throw err;
    } finally {
      clearTimeout(timer);
      clearInterval(helloTimer);
    }
  }

  private onPacket(buf: Buffer): void {
    if (this.closed) return;
    let packet: VideoPacket;
    try {
      packet = decodeVideoPacket(buf);
    } catch {
      this.malformed++;
      return;
    }
    const now = this.now();
    try {
      if ('fragment' in packet) {
        if (packet.fragment.ssrc === this.peer?.ssrc) this.receiver?.onFragment(packet.fragment, buf.length, now);
        else this.malformed++;
      } else if ('hello' in packet) this.onHello(packet.hello);
      else if ('feedback' in packet) this.onFeedback(packet.feedback, now);
      else if (packet.bye.ssrc === this.peer?.ssrc) {
        if (this.receiver) this.receiver.onBye(packet.bye, now);
        else this.pendingBye = packet.bye;
      }
    } catch (err) {
      this.fail(err);
    }
  }

  private onHello(h: HelloMsg): void {
    if (this.peer && h.ssrc !== this.peer.ssrc) return; // one peer stream per call
    this.peer = h;
    if (this.target.role === 'caller') {
      if (!this.chosen) {
        const pick = chooseVideoCodec(this.hello.codecs, h.codecs ?? []);
        if (!pick)
          throw new VideoError('E_VIDEO_NO_COMMON_CODEC', `no video codec in common: we offer ${this.hello.codecs.join(', ')}, the callee offers ${(h.codecs ?? []).join(', ') || 'none'}`, { callId: this.target.callId });
        this.select(pick);
        this.sendHello();
      }
      if (h.selected === this.codec) this.onNegotiated();
    } else {
      if (h.selected && !this.chosen) {
        if (!this.hello.codecs.includes(h.selected)) throw new VideoError('E_VIDEO_NO_COMMON_CODEC', `the caller chose "${h.selected}", which we did not offer`, { callId: this.target.callId });
        this.select(h.selected);
      }
      this.sendHello();
      if (this.chosen) this.onNegotiated();
    }
  }

  private select(name: string): void {
    this.chosen = this.cfg.codecs.find((c) => c.name === name) as VideoCodec;
    this.codec = name;
    this.hello.selected = name;
  }

  private onNegotiated(): void {
    if (this.negotiated.settled) return;
    this.negotiated.resolve();
    const codec = this.chosen as VideoCodec;
    this.cfg.log.debug('video codec agreed', { callId: this.target.callId, codec: codec.name });
    this.every(this.cfg.options.reportIntervalMs, () => this.sendFeedback(false));
    this.every(TICK_MS, () => this.tick());
    void this.startReceiving(codec).catch((err) => this.fail(err));
    if (!this.reader) this.localDone.resolve();
    else void this.startSending(codec).catch((err) => this.fail(err));
  }

  private async startReceiving(codec: VideoCodec): Promise<void> {
    const peer = this.peer as HelloMsg;
    if (!peer.sending) {
      this.remoteDone.resolve();
      return;
    }
    const o = this.cfg.options;
    if (this.opts.record) {
      const fps = peer.frameRate;
      const [rateNum, rateDen] = Number.isInteger(fps) ? [fps, 1] : [Math.round(fps * 1000), 1000];
      this.recorder = new VideoRecorder(Y4mWriter.open(this.opts.record, { width: peer.width, height: peer.height, rateNum, rateDen, colorspace: '420jpeg' }));
    }
    this.receiver = new VideoReceiver(
      {
        interFrame: codec.interFrame,
        frameRate: peer.frameRate,
        limits: { maxFrameBytes: o.maxFrameBytes, maxBufferBytes: o.maxBufferBytes, maxFramesAhead: 64 },
        minDelayMs: o.minDelayMs,
        maxDelayMs: o.maxDelayMs,
        nackWindowMs: o.nackWindowMs,
        estimator: { startBps: this.opts.startBitrate ?? o.startBitrate, minBps: o.minBitrate, maxBps: this.opts.maxBitrate ?? o.maxBitrate },
        now: () => this.now(),
        log: this.cfg.log,
      },
      this.recorder,
    );
    if (this.pendingBye) this.receiver.onBye(this.pendingBye, this.now());
    this.decoder = await codec.createDecoder({ width: peer.width, height: peer.height });
    if (this.closed) await this.decoder.dispose();
    else this.receiver.decoder = this.decoder;
  }

  private async startSending(codec: VideoCodec): Promise<void> {
    const o = this.cfg.options;
    this.sender = new VideoSender(
      {
        ssrc: this.hello.ssrc,
        codec,
        reader: this.reader as Y4mReader,
        startBitrate: this.opts.startBitrate ?? o.startBitrate,
        minBitrate: o.minBitrate,
        maxBitrate: this.opts.maxBitrate ?? o.maxBitrate,
        lowRateBitrate: o.lowRateBitrate,
        pacingFactor: o.pacingFactor,
        now: () => this.now(),
        log: this.cfg.log,
      },
      (p) => this.send(p),
    );
    await this.sender.start();
    await this.sender.done;
    this.sendBye();
  }

  private tick(): void {
    const now = this.now();
    const rx = this.receiver;
    if (!rx) return;
    const rtt = this.rtt.rttMs ?? 100;
    rx.tick(now, rtt, this.lipSyncMs());
    const nacks = rx.tracker.nacks(now, rtt);
    const pli = rx.takePli(now, rtt);
    if (nacks.length || pli || rx.urgentFeedback) this.sendFeedback(pli, nacks);
    rx.urgentFeedback = false;
    if (rx.ended) this.remoteDone.resolve();
  }

  /** Extra video delay so pictures are not shown ahead of the sound (audio's one-way delay minus video's path). */
  private lipSyncMs(): number {
    const audio = this.opts.audio?.stats()?.mouthToEarMs;
    return audio === undefined ? 0 : Math.max(0, audio - (this.rtt.rttMs ?? 0) / 2);
  }

  private sendFeedback(pli: boolean, nack: number[] = []): void {
    const now = this.now();
    const rx = this.receiver;
    const t = rx?.tracker;
    this.send({
      feedback: {
        ssrc: this.hello.ssrc,
        sourceSsrc: rx ? (this.peer?.ssrc ?? 0) : 0,
        nack,
        pli,
        estimateBps: rx && t && t.received > 0 ? rx.estimator.estimate : 0,
        received: t?.received ?? 0,
        lost: t?.lost ?? 0,
        lossFraction: nack.length || pli ? -1 : (t?.takeLossFraction() ?? -1),
        jitterMs: t?.jitterMs ?? 0,
        framesDecoded: rx?.stats.framesDecoded ?? 0,
        framesDropped: rx?.stats.framesDropped ?? 0,
        freezeCount: rx?.stats.freezeCount ?? 0,
        receiveBps: rx?.estimator.incomingBps(now) ?? 0,
        ...this.rtt.echo(now),
      },
    });
  }

  private onFeedback(fb: FeedbackMsg, now: number): void {
    this.rtt.onReport(fb, now);
    if (fb.nack.length === 0 && !fb.pli) this.remote = fb;
    // Loss is reported only by the periodic feedback; NACK/PLI-only messages carry none.
    this.sender?.onFeedback(fb.nack.length || fb.pli ? { ...fb, estimateBps: 0, received: 0 } : fb, now, this.rtt.rttMs ?? 100);
  }

  private sendBye(): void {
    const s = this.sender as VideoSender;
    const bye: ByeMsg = { ssrc: this.hello.ssrc, sourceFrames: s.sourceFrames, lastFrameId: s.lastFrameId < 0 ? NO_FRAME : s.lastFrameId };
    let n = 0;
    const again = () => {
      this.send({ bye });
      if (++n < BYE_REPEATS && !this.closed) this.timers.push(setTimeout(again, 50));
      else void this.peerCaughtUp(s.lastFrameId).then(() => this.localDone.resolve());
    };
    again();
  }

  /**
   * Resolves once the peer's report accounts for every frame we sent (shown or given up), so a
   * caller that hangs up when its video is done does not cut the last frames still in the peer's
   * playout buffer or being repaired (up to half a second at 2 % loss). Bounded by the longest the
   * peer can hold a frame: its largest playout delay, two repair round trips and a report.
   */
  private async peerCaughtUp(lastFrameId: number): Promise<void> {
    if (lastFrameId < 0) return;
    const o = this.cfg.options;
    const deadline = this.now() + o.maxDelayMs + 2 * (this.rtt.rttMs ?? 100) + o.reportIntervalMs + 200;
    const handled = () => (this.remote ? this.remote.framesDecoded + this.remote.framesDropped : 0);
    while (!this.closed && handled() <= lastFrameId && this.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  private sendHello(): void {
    this.send({ hello: { ...this.hello } });
  }

  private send(packet: VideoPacket): number {
    if (this.closed || !this.stream) return 0;
    const bytes = encodeVideoPacket(packet);
    try {
      this.stream.send(bytes);
    } catch (err) {
      this.onSessionClosed((err as Error).message);
      return 0;
    }
    return bytes.length;
  }

  private every(ms: number, fn: () => void): void {
    this.timers.push(
      setInterval(() => {
        try {
          fn();
        } catch (err) {
          this.fail(err);
        }
      }, ms),
    );
  }

  private fail(err: unknown): void {
    if (!this.negotiated.settled) this.negotiated.reject(err);
    else this.cfg.log.warn('video call failed', { callId: this.target.callId, error: (err as Error).message });
    this.localDone.reject(err);
    this.remoteDone.reject(err);
    void this.stop();
  }

  private onSessionClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.endedAt = this.now();
    this.cfg.log.debug('video session closed', { callId: this.target.callId, reason });
    if (!this.negotiated.settled) this.negotiated.reject(new VideoError('E_VIDEO_SESSION_CLOSED', `the call ended (${reason}) before video was agreed`, { callId: this.target.callId }));
    this.localDone.resolve();
    this.remoteDone.resolve();
  }

  stop(): Promise<VideoStats> {
    if (!this.stopping) this.stopping = this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<VideoStats> {
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.endedAt ??= this.now();
    if (this.sender && !this.closed) await this.sender.stop();
    else await this.sender?.stop();
    this.reader?.close();
    await this.receiver?.finish();
    const recorded = this.recorder?.close(this.receiver?.sourceFrames);
    await this.decoder?.dispose();
    for (const s of this.subs.splice(0)) s.dispose();
    this.closed = true;
    this.localDone.resolve();
    this.remoteDone.resolve();
    this.final = { ...this.stats(), recordedFrames: recorded ?? 0 };
    return this.final;
  }

  stats(): VideoStats {
    if (this.final) return this.final;
    const now = this.now();
    const s = this.sender;
    const rx = this.receiver;
    const t = rx?.tracker;
    const rtt = this.rtt.rttMs ?? 0;
    const videoDelay = rx ? rtt / 2 + rx.delay.target(rtt, this.lipSyncMs() + rx.decodeTimeMs) : undefined;
    const audio = this.opts.audio?.stats()?.mouthToEarMs;
    return {
      callId: this.target.callId,
      codec: this.codec,
      durationMs: round(this.endedAt ?? now),
      width: this.hello.width,
      height: this.hello.height,
      framesSent: s?.stats.framesSent ?? 0,
      keyframesSent: s?.stats.keyframesSent ?? 0,
      framesSkippedCpu: s?.stats.framesSkippedCpu ?? 0,
      framesSkippedBandwidth: s?.stats.framesSkippedBandwidth ?? 0,
      bytesSent: s?.stats.bytesSent ?? 0,
      packetsSent: s?.stats.packetsSent ?? 0,
      retransmissionsSent: s?.stats.retransmissionsSent ?? 0,
      pliReceived: s?.stats.pliReceived ?? 0,
      nackReceived: s?.stats.nackReceived ?? 0,
      targetBitrate: Math.round(s?.rate.target ?? 0),
      encoderBitrate: s?.encoderBitrate ?? 0,
      sendFrameRate: s?.frameRate ?? 0,
      sendBitrate: s?.sendBitrate(now) ?? 0,
      framesReceived: rx?.stats.framesReceived ?? 0,
      framesDecoded: rx?.stats.framesDecoded ?? 0,
      framesDropped: rx?.stats.framesDropped ?? 0,
      keyframesReceived: rx?.stats.keyframesReceived ?? 0,
      freezeCount: rx?.stats.freezeCount ?? 0,
      freezeMs: round(rx?.stats.freezeMs ?? 0),
      longestFreezeMs: round(rx?.stats.longestFreezeMs ?? 0),
      packetsReceived: t?.received ?? 0,
      packetsLost: t?.lost ?? 0,
      packetsRecovered: t?.recovered ?? 0,
      nackSent: t?.nackSent ?? 0,
      pliSent: rx?.stats.pliSent ?? 0,
      packetsMalformed: this.malformed + (rx?.stats.packetsMalformed ?? 0),
      jitterMs: round(t?.jitterMs ?? 0),
      playoutDelayMs: round(rx ? rx.delay.target(rtt, this.lipSyncMs() + rx.decodeTimeMs) : 0),
      receiveBitrate: Math.round(rx?.estimator.incomingBps(now) ?? 0),
      receiveFrameRate: rx?.frameRate(now) ?? 0,
      ...(this.rtt.rttMs !== undefined ? { rttMs: round(this.rtt.rttMs) } : {}),
      ...(audio !== undefined && videoDelay !== undefined ? { avOffsetMs: round(videoDelay - audio) } : {}),
      ...(this.remote
        ? {
            remoteLossPercent: round(this.remote.received + this.remote.lost > 0 ? (100 * this.remote.lost) / (this.remote.received + this.remote.lost) : 0),
            ...(this.remote.lossFraction >= 0 ? { remoteRecentLossPercent: round(100 * this.remote.lossFraction) } : {}),
            remoteFramesDecoded: this.remote.framesDecoded,
            remoteFramesDropped: this.remote.framesDropped,
            remoteFreezeCount: this.remote.freezeCount,
          }
        : {}),
      recordedFrames: this.recorder?.frames ?? 0,
    };
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
