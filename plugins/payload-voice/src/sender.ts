import type { Awaitable, CodecEncoder } from '@pinhole/core';
import { encodeNoiseLevel } from './comfort-noise';
import { InOrder } from './in-order';
import type { PcmSource } from './pcm-source';
import type { VoiceActivityDetector } from './vad';
import { CN_PAYLOAD_TYPE, type ByeMsg, type FrameMsg } from './wire';

export interface SenderOptions {
  ssrc: number;
  timestampBase: number;
  sequenceBase: number;
  payloadType: number;
  /** During silence a comfort-noise update goes out at least this often (media ms). */
  comfortNoiseIntervalMs: number;
  frameMs: number;
  /** Sees each input frame as it is taken (the microphone end). */
  onCapture?: (pcm: Int16Array) => void;
}

export interface SenderStats {
  packets: number;
  comfortNoise: number;
  bytes: number;
}

/** A comfort-noise update also goes out when the noise level moves this much (dB). */
const CN_LEVEL_STEP_DB = 3;

/**
 * One direction's media: each tick takes the next input frame and sends it encoded, or — when
 * the VAD calls it silence — sends a comfort-noise update now and then instead (silence
 * suppression, RFC 3389). Sequence numbers go up by one per packet; timestamps follow the
 * input, through silence too, as RTP does.
 */
export class VoiceSender {
  readonly stats: SenderStats = { packets: 0, comfortNoise: 0, bytes: 0 };
  private position = 0;
  private sequence: number;
  private talking = false;
  private lastCnAt = -Infinity;
  private lastCnLevel = 0;
  private done = false;
  /** Frames go out in sequence order even when an isolated codec answers later. */
  private readonly out: InOrder;

  constructor(
    private readonly o: SenderOptions,
    private readonly source: PcmSource,
    private readonly encoder: CodecEncoder,
    private readonly vad: VoiceActivityDetector | undefined,
    private readonly send: (frame: FrameMsg) => number,
    /** The encoder failed for good (its plugin crashed): the call fails. */
    fail: (err: unknown) => void,
  ) {
    this.sequence = o.sequenceBase & 0xffff;
    this.out = new InOrder(fail);
  }

  /** Resolves when every frame taken so far has gone out (before BYE). */
  sent(): Promise<void> {
    return this.out.idle();
  }

  /** Frames still being encoded are dropped (the call is stopping). */
  close(): void {
    this.out.close();
  }

  get finished(): boolean {
    return this.done;
  }

  /** Sends what the frame at `nowMs` calls for; false once the input is used up. */
  tick(nowMs: number): boolean {
    if (this.done) return false;
    const pcm = this.source.next();
    if (!pcm) {
      this.done = true;
      return false;
    }
    this.o.onCapture?.(pcm);
    const decision = this.vad?.process(pcm);
    if (!decision || decision.speech) {
      this.emit(this.encoder.encode(pcm), !this.talking, this.o.payloadType);
      this.talking = true;
    } else {
      const due = this.talking || nowMs - this.lastCnAt >= this.o.comfortNoiseIntervalMs || Math.abs(decision.noiseDb - this.lastCnLevel) >= CN_LEVEL_STEP_DB;
      if (due) {
        this.emit(encodeNoiseLevel(decision.noiseDb), false, CN_PAYLOAD_TYPE);
        this.stats.comfortNoise++;
        this.lastCnAt = nowMs;
        this.lastCnLevel = decision.noiseDb;
      }
      this.talking = false;
    }
    this.position += this.source.frameSamples;
    return true;
  }

  /** RTCP-style BYE: where the input ended, so the peer's recording keeps the right length. */
  bye(): ByeMsg {
    return {
      ssrc: this.o.ssrc,
      endTimestamp: (this.o.timestampBase + Math.min(this.position, this.source.totalSamples)) >>> 0,
      finalSequence: (this.sequence - 1) & 0xffff,
    };
  }

  private emit(payload: Awaitable<Buffer>, marker: boolean, payloadType: number): void {
    const head = {
      sequence: this.sequence,
      timestamp: (this.o.timestampBase + this.position) >>> 0,
      ssrc: this.o.ssrc,
      marker,
      payloadType,
    };
    this.stats.packets++;
    this.sequence = (this.sequence + 1) & 0xffff;
    this.out.push(payload, (p) => {
      this.stats.bytes += this.send({ ...head, payload: p });
    });
  }
}
