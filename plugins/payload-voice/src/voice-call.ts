import { randomInt } from 'crypto';
import {
  CodecError,
  Deferred,
  RoundTrip,
  VoiceError,
  type Codec,
  type CodecDecoder,
  type CodecEncoder,
  type Disposable,
  type Logger,
  type PcmAudio,
  type StreamContext,
  type VoiceCall,
  type VoiceOptions,
  type VoiceStats,
  type VoiceTarget,
} from '@pinhole/core';
import { MediaClock, Pacer } from './clock';
import { eModel } from './emodel';
import type { JitterBufferOptions } from './jitter-buffer';
import { buildOffer, chooseCodec } from './negotiation';
import { PcmSource } from './pcm-source';
import { VoiceReceiver } from './receiver';
import { Recorder } from './recorder';
import { VoiceSender } from './sender';
import { VoiceActivityDetector } from './vad';
import { warmUp } from './warm-up';
import { WavWriter } from './wav';
import { decodeVoicePacket, encodeVoicePacket, type CodecOfferMsg, type HelloMsg, type ReportMsg, type VoicePacket } from './wire';

/** What the call needs beyond the user's options: codecs (in order) and the plugin's settings. */
export interface VoiceCallConfig {
  codecs: Codec[];
  input?: PcmAudio;
  vad: boolean;
  comfortNoiseIntervalMs: number;
  jitter: Partial<JitterBufferOptions> & Pick<JitterBufferOptions, 'minDelayMs' | 'maxDelayMs' | 'floorDelayMs'>;
  log: Logger;
}

const HELLO_EVERY_MS = 100;
const REPORT_EVERY_MS = 1000;
const BYE_REPEATS = 3;

/**
 * One voice call over a session's `voice` stream, both directions at once: the Hello exchange
 * (the caller picks the codec from both offers), then a paced sender, a jitter-buffered
 * receiver writing the recording, receiver reports for the round trip, and BYE at the end.
 */
export class VoiceCallSession implements VoiceCall {
  codec = '';
  readonly finished: Promise<void>;
  private readonly clock: MediaClock;
  private readonly hello: HelloMsg;
  private readonly offer: CodecOfferMsg[];
  private readonly subs: Disposable[] = [];
  private readonly pacers: Pacer[] = [];
  private readonly negotiated = new Deferred<void>();
  private readonly localDone = new Deferred<void>();
  private readonly remoteDone = new Deferred<void>();
  private stream?: StreamContext;
  private peer?: HelloMsg;
  private chosen?: Codec;
  private payloadType = 0;
  private sender?: VoiceSender;
  private receiver?: VoiceReceiver;
  private recorder?: Recorder;
  private encoder?: CodecEncoder;
  private decoder?: CodecDecoder;
  private helloTimer?: NodeJS.Timeout;
  private playoutTimer?: NodeJS.Timeout;
  private playoutAt = Infinity;
  private readonly rtt = new RoundTrip();
  private remoteReport?: ReportMsg;
  private malformed = 0;
  private closed = false;
  private stopping?: Promise<VoiceStats>;
  private final?: VoiceStats;
  private recordedSamples = 0;
  private endedAt?: number;

  private constructor(
    private readonly target: VoiceTarget,
    private readonly opts: VoiceOptions,
    private readonly cfg: VoiceCallConfig,
  ) {
    this.clock = new MediaClock(opts.speed ?? 1);
    this.offer = buildOffer(cfg.codecs);
    this.hello = {
      ssrc: randomInt(1, 0xffffffff),
      codecs: this.offer,
      selected: '',
      timestampBase: randomInt(0, 0xffffffff),
      sequenceBase: randomInt(0, 0x10000),
      sending: cfg.input !== undefined,
    };
    this.finished = Promise.all([this.localDone.promise, this.remoteDone.promise]).then(() => undefined);
    this.finished.catch(() => undefined);
  }

  static async start(target: VoiceTarget, opts: VoiceOptions, cfg: VoiceCallConfig): Promise<VoiceCallSession> {
    if (cfg.codecs.length === 0) throw new CodecError('E_CODEC_UNKNOWN', 'no voice codec is installed; add plugins/codec-g711 or plugins/codec-opus');
    const call = new VoiceCallSession(target, opts, cfg);
    await call.open();
    return call;
  }

  private async open(): Promise<void> {
    this.stream = await this.target.session.openStream('voice');
    this.subs.push(this.stream.onPayload((p) => this.onPacket(p)));
    this.subs.push(this.target.session.onClose((reason) => this.onSessionClosed(reason)));
    this.sendHello();
    this.helloTimer = setInterval(() => this.sendHello(), HELLO_EVERY_MS / this.clock.speed);
    const limit = this.opts.negotiateTimeoutMs ?? 10_000;
    const timer = setTimeout(
      () => this.negotiated.reject(new VoiceError('E_VOICE_NEGOTIATION_TIMEOUT', `the peer did not answer the voice offer within ${limit} ms; is it running with --voice or --inbox?`, { callId: this.target.callId })),
      limit,
    );
    try {
      await this.negotiated.promise;
    } catch (err) {
      await this.stop();
      throw err;
    } finally {
      clearTimeout(timer);
      clearInterval(this.helloTimer);
    }
  }

  private onPacket(buf: Buffer): void {
    if (this.closed) return;
    let packet: VoicePacket;
    try {
      packet = decodeVoicePacket(buf);
    } catch {
      this.malformed++;
      return;
    }
    const now = this.clock.now();
    try {
      if ('frame' in packet) {
        if (packet.frame.ssrc === this.peer?.ssrc) this.receiver?.onFrame(packet.frame, now);
        this.schedulePlayout();
      } else if ('hello' in packet) this.onHello(packet.hello);
      else if ('report' in packet) this.onReport(packet.report, now);
      else if (packet.bye.ssrc === this.peer?.ssrc) this.receiver?.onBye(packet.bye);
    } catch (err) {
      this.fail(err);
    }
  }

  private onHello(h: HelloMsg): void {
    if (this.peer && h.ssrc !== this.peer.ssrc) return; // one peer stream per call
    this.peer = h;
    if (this.target.role === 'caller') {
      if (!this.chosen) {
        const pick = chooseCodec(this.offer, h.codecs ?? []);
        if (!pick) {
          const theirs = (h.codecs ?? []).map((c) => c.name).join(', ') || 'none';
          throw new VoiceError('E_VOICE_NO_COMMON_CODEC', `no codec in common: we offer ${this.offer.map((c) => c.name).join(', ')}, the callee offers ${theirs}`, { callId: this.target.callId });
        }
        this.select(pick);
        this.sendHello();
      }
      if (h.selected === this.codec) this.onNegotiated();
    } else {
      if (h.selected && !this.chosen) {
        const pick = (h.codecs ?? []).find((c) => c.name === h.selected);
        if (!pick || !this.offer.some((c) => c.name === pick.name))
          throw new VoiceError('E_VOICE_NO_COMMON_CODEC', `the caller chose "${h.selected}", which we did not offer`, { callId: this.target.callId });
        this.select(pick);
      }
      this.sendHello(); // answer every Hello, so a lost answer is repaired by the caller's retry
      if (this.chosen) this.onNegotiated();
    }
  }

  /** The codec is known (and the peer's stream described): set up decoding, playout, recording. */
  private select(pick: CodecOfferMsg): void {
    const codec = this.cfg.codecs.find((c) => c.name === pick.name) as Codec;
    warmUp(codec); // before the peer can start sending: see warm-up.ts
    this.chosen = codec;
    this.codec = codec.name;
    this.payloadType = pick.payloadType;
    this.hello.selected = codec.name;
    const lookahead = Math.round((codec.lookaheadMs * codec.clockRate) / 1000);
    if (this.opts.record) {
      const rate = this.opts.recordRate ?? this.cfg.input?.sampleRate ?? codec.clockRate;
      this.recorder = new Recorder(WavWriter.open(this.opts.record, rate), codec.clockRate, lookahead);
    }
    const peer = this.peer as HelloMsg;
    if (!peer.sending) {
      this.remoteDone.resolve();
      return;
    }
    this.decoder = codec.createDecoder();
    this.receiver = new VoiceReceiver(
      {
        clockRate: codec.clockRate,
        frameSamples: codec.frameSamples,
        payloadType: pick.payloadType,
        timestampBase: peer.timestampBase,
        sequenceBase: peer.sequenceBase,
        tailSamples: lookahead,
        jitter: this.cfg.jitter,
        onPlayout: this.opts.onPlayout,
      },
      this.decoder,
      this.recorder,
      this.cfg.log,
      (err) => this.fail(err),
    );
    this.schedulePlayout();
  }

  /**
   * Playout wakes when the next slot is due (so a frame plays within a timer tick of its time,
   * not up to a polling period late), and at least once per frame time (to notice the end).
   */
  private schedulePlayout(): void {
    if (this.closed || !this.receiver || !this.chosen) return;
    const due = Math.min(this.receiver.nextDueMs() ?? Infinity, this.clock.now() + this.chosen.frameMs);
    if (this.playoutTimer && this.playoutAt <= due) return;
    clearTimeout(this.playoutTimer);
    this.playoutAt = due;
    this.playoutTimer = setTimeout(this.playout, this.clock.wait(due));
  }

  private readonly playout = (): void => {
    this.playoutTimer = undefined;
    if (this.closed || !this.receiver) return;
    try {
      this.receiver.tick(this.clock.now());
      if (this.receiver.ended) this.remoteDone.resolve();
    } catch (err) {
      return this.fail(err);
    }
    this.schedulePlayout();
  };

  /** Both sides agree: start sending (and reporting). */
  private onNegotiated(): void {
    if (this.negotiated.settled) return;
    this.negotiated.resolve();
    const codec = this.chosen as Codec;
    this.cfg.log.debug('voice codec agreed', { callId: this.target.callId, codec: codec.name, payloadType: this.payloadType });
    this.every(REPORT_EVERY_MS, (now) => this.sendReport(now));
    if (!this.cfg.input) {
      this.localDone.resolve();
      return;
    }
    this.encoder = codec.createEncoder();
    const lookahead = Math.round((codec.lookaheadMs * codec.clockRate) / 1000);
    const source = new PcmSource(this.cfg.input, codec.clockRate, codec.frameSamples, lookahead);
    const vad = this.cfg.vad ? new VoiceActivityDetector({ frameMs: codec.frameMs }) : undefined;
    this.sender = new VoiceSender(
      {
        ssrc: this.hello.ssrc,
        timestampBase: this.hello.timestampBase,
        sequenceBase: this.hello.sequenceBase,
        payloadType: this.payloadType,
        comfortNoiseIntervalMs: this.cfg.comfortNoiseIntervalMs,
        frameMs: codec.frameMs,
        onCapture: this.opts.onCapture,
      },
      source,
      this.encoder,
      vad,
      (frame) => this.send({ frame }),
      (err) => this.fail(err),
    );
    const pacer = this.every(codec.frameMs, (now) => {
      if (this.sender?.tick(now)) return;
      pacer.stop();
      void this.sender?.sent().then(() => this.sendBye(codec.frameMs));
    });
  }

  private sendBye(spacingMs: number): void {
    const bye = (this.sender as VoiceSender).bye();
    let n = 0;
    const again = () => {
      this.send({ bye });
      if (++n < BYE_REPEATS && !this.closed) setTimeout(again, spacingMs / this.clock.speed);
      else this.localDone.resolve();
    };
    again();
  }

  private sendReport(now: number): void {
    const rx = this.receiver?.rx;
    this.send({
      report: {
        ssrc: this.hello.ssrc,
        sourceSsrc: this.peer?.ssrc ?? 0,
        received: rx?.received ?? 0,
        lost: rx?.lost ?? 0,
        highestSequence: rx ? rx.highest >>> 0 : 0,
        jitterMs: rx?.jitterMs ?? 0,
        ...this.rtt.echo(now),
      },
    });
  }

  /** RTCP's LSR/DLSR: our own send time comes back with how long the peer held it. */
  private onReport(r: ReportMsg, now: number): void {
    this.rtt.onReport(r, now);
    this.remoteReport = r;
  }

  private sendHello(): void {
    this.send({ hello: { ...this.hello } });
  }

  private send(packet: VoicePacket): number {
    if (this.closed || !this.stream) return 0;
    const bytes = encodeVoicePacket(packet);
    try {
      this.stream.send(bytes);
    } catch (err) {
      this.onSessionClosed((err as Error).message);
      return 0;
    }
    return bytes.length;
  }

  private every(periodMs: number, tick: (now: number) => void): Pacer {
    const pacer = new Pacer(this.clock, periodMs, (due) => {
      try {
        tick(due);
      } catch (err) {
        this.fail(err);
      }
    });
    this.pacers.push(pacer);
    pacer.begin();
    return pacer;
  }

  private fail(err: unknown): void {
    // Before the codec is agreed the error goes to start()'s caller; after, only `finished` tells.
    if (!this.negotiated.settled) this.negotiated.reject(err);
    else this.cfg.log.warn('voice call failed', { callId: this.target.callId, error: (err as Error).message });
    this.localDone.reject(err);
    this.remoteDone.reject(err);
    void this.stop();
  }

  private onSessionClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.endedAt = this.clock.now();
    this.cfg.log.debug('voice session closed', { callId: this.target.callId, reason });
    for (const p of this.pacers) p.stop();
    clearTimeout(this.playoutTimer);
    if (!this.negotiated.settled) this.negotiated.reject(new VoiceError('E_VOICE_SESSION_CLOSED', `the call ended (${reason}) before voice was agreed`, { callId: this.target.callId }));
    this.localDone.resolve();
    this.remoteDone.resolve();
  }

  stop(): Promise<VoiceStats> {
    if (!this.stopping) this.stopping = this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<VoiceStats> {
    clearInterval(this.helloTimer);
    for (const p of this.pacers) p.stop();
    clearTimeout(this.playoutTimer);
    this.sender?.close();
    if (this.sender && !this.sender.finished && !this.closed) this.send({ bye: this.sender.bye() });
    this.endedAt ??= this.clock.now();
    await this.receiver?.finish();
    this.recordedSamples = this.recorder?.close(this.receiver?.end) ?? 0;
    this.encoder?.dispose();
    this.decoder?.dispose();
    for (const s of this.subs.splice(0)) s.dispose();
    this.closed = true;
    this.localDone.resolve();
    this.remoteDone.resolve();
    this.final = this.stats();
    return this.final;
  }

  stats(): VoiceStats {
    if (this.final) return this.final;
    const codec = this.chosen;
    const rx = this.receiver?.rx;
    const jb = this.receiver?.jb;
    const bufferDelayMs = jb && jb.stats.played > 0 ? jb.stats.delaySumMs / jb.stats.played : 0;
    const frameMs = codec?.frameMs ?? 0;
    const mouthToEarMs = (this.rtt.rttMs ?? 0) / 2 + bufferDelayMs + frameMs + (codec?.lookaheadMs ?? 0);
    const lossPercent = rx?.effectiveLossPercent ?? 0;
    const burstRatio = rx?.burstRatio() ?? 1;
    const q = eModel({ delayMs: mouthToEarMs, lossPercent, burstRatio, ie: codec?.impairment.ie ?? 0, bpl: codec?.impairment.bpl ?? 1 });
    const s = this.sender?.stats;
    return {
      callId: this.target.callId,
      codec: this.codec,
      durationMs: round(this.endedAt ?? this.clock.now()),
      packetsSent: s?.packets ?? 0,
      comfortNoiseSent: s?.comfortNoise ?? 0,
      bytesSent: s?.bytes ?? 0,
      packetsReceived: rx?.received ?? 0,
      packetsLost: rx?.lost ?? 0,
      packetsLate: rx?.late ?? 0,
      packetsDuplicate: rx?.duplicates ?? 0,
      packetsMalformed: this.malformed + (this.receiver?.unknownPayloadType ?? 0),
      framesConcealed: this.receiver?.concealed ?? 0,
      jitterMs: round(rx?.jitterMs ?? 0),
      bufferDelayMs: round(bufferDelayMs),
      ...(this.rtt.rttMs !== undefined ? { rttMs: round(this.rtt.rttMs) } : {}),
      mouthToEarMs: round(mouthToEarMs),
      lossPercent: round(lossPercent),
      burstRatio: round(burstRatio),
      r: round(q.r),
      mos: Math.round(q.mos * 100) / 100,
      ...(this.remoteReport
        ? { remotePacketsReceived: this.remoteReport.received, remotePacketsLost: this.remoteReport.lost, remoteJitterMs: round(this.remoteReport.jitterMs) }
        : {}),
      recordedSamples: this.recordedSamples,
    };
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
