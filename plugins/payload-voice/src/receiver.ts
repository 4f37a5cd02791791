import { CodecError, isPromise, type Awaitable, type CodecDecoder, type Logger } from '@pinhole/core';
import { ComfortNoiseGenerator, decodeNoiseLevel } from './comfort-noise';
import { InOrder } from './in-order';
import { JitterBuffer, type JitterBufferOptions, type PlayoutSlot } from './jitter-buffer';
import { ReceiveStats } from './receive-stats';
import type { Recorder } from './recorder';
import { CN_PAYLOAD_TYPE, type ByeMsg, type FrameMsg } from './wire';

export interface ReceiverOptions {
  clockRate: number;
  frameSamples: number;
  payloadType: number;
  /** From the peer's Hello: where its stream starts. */
  timestampBase: number;
  sequenceBase: number;
  /** Extra playout after the end so the codec's look-ahead drains (samples). */
  tailSamples: number;
  jitter: Partial<JitterBufferOptions> & Pick<JitterBufferOptions, 'minDelayMs' | 'maxDelayMs' | 'floorDelayMs'>;
  /** Sees each frame as it is played (the speaker end). */
  onPlayout?: (pcm: Int16Array) => void;
}

interface Buffered {
  ext: number;
  frame: FrameMsg;
}

/** 2^32 as a number: RTP timestamps wrap there. */
const WRAP = 4294967296;

/**
 * The other direction: frames go into the adaptive jitter buffer by position, and each playout
 * slot renders one frame — decoded, concealed (codec PLC when speech was lost or late), or
 * comfort noise during the peer's silence — straight into the recording.
 */
export class VoiceReceiver {
  readonly rx: ReceiveStats;
  readonly jb: JitterBuffer<Buffered>;
  concealed = 0;
  /** Frames whose payload type is neither the agreed codec's nor comfort noise. */
  unknownPayloadType = 0;
  private readonly cng: ComfortNoiseGenerator;
  /** Extended sequence numbers waiting in the buffer (tells a lost packet from a silence gap). */
  private readonly waiting = new Set<number>();
  private highestPosition = 0;
  private state: 'idle' | 'speech' | 'silence' = 'idle';
  private lastPlayedExt: number | undefined;
  private endPosition: number | undefined;
  /** Frames are played in slot order even when an isolated codec answers later. */
  private readonly out: InOrder;

  constructor(
    private readonly o: ReceiverOptions,
    private readonly decoder: CodecDecoder,
    private readonly recorder: Recorder | undefined,
    private readonly log: Logger,
    /** The decoder failed for good (its plugin crashed): the call fails. */
    fail: (err: unknown) => void,
  ) {
    this.out = new InOrder(fail);
    this.rx = new ReceiveStats(o.clockRate, o.sequenceBase);
    this.jb = new JitterBuffer<Buffered>({ ...o.jitter, clockRate: o.clockRate, frameSamples: o.frameSamples });
    this.cng = new ComfortNoiseGenerator(o.frameSamples, o.timestampBase);
  }

  /** True once the peer said BYE and playout has reached the end of its input. */
  get ended(): boolean {
    return this.endPosition !== undefined && this.jb.nextPosition >= this.playoutEnd();
  }

  /** Where the peer's input ended (codec samples), once its BYE came. */
  get end(): number | undefined {
    return this.endPosition;
  }

  onFrame(frame: FrameMsg, arrivalMs: number): void {
    if (frame.payloadType !== this.o.payloadType && frame.payloadType !== CN_PAYLOAD_TYPE) {
      this.unknownPayloadType++;
      return;
    }
    const position = this.unwrap(frame.timestamp);
    const ext = this.rx.arrive(frame.sequence, position, arrivalMs);
    if (ext === undefined) return; // duplicate, or from before the stream began
    const result = this.jb.insert(position, { ext, frame }, arrivalMs);
    if (result === 'ok') this.waiting.add(ext);
    else if (result === 'late') this.rx.markLate(ext);
  }

  onBye(bye: ByeMsg): void {
    if (this.endPosition !== undefined) return;
    this.endPosition = this.unwrap(bye.endTimestamp);
    this.rx.finalSequence(bye.finalSequence);
  }

  /** Media time (ms) the next slot is due, or undefined before the first frame. */
  nextDueMs(): number | undefined {
    return this.ended ? undefined : this.jb.nextDueMs();
  }

  /** Plays every slot due by `nowMs`. */
  tick(nowMs: number): void {
    for (const slot of this.jb.pop(nowMs, this.playoutEnd())) this.render(slot);
  }

  /** The call is over: plays out whatever is buffered at once; resolves when it has been rendered. */
  finish(): Promise<void> {
    const end = this.endPosition === undefined ? undefined : this.playoutEnd();
    for (const slot of this.jb.drain(end)) this.render(slot);
    return this.out.idle();
  }

  private playoutEnd(): number {
    return this.endPosition === undefined ? Infinity : this.endPosition + this.o.tailSamples;
  }

  /** Decodes (or conceals) every slot, recorded or not: it is what a speaker would play. */
  private render(slot: PlayoutSlot<Buffered>): void {
    this.out.push(this.pcmFor(slot), (pcm) => {
      this.o.onPlayout?.(pcm);
      this.recorder?.write(pcm);
    });
  }

  private pcmFor(slot: PlayoutSlot<Buffered>): Awaitable<Int16Array> {
    const b = slot.item;
    if (b) {
      this.waiting.delete(b.ext);
      this.lastPlayedExt = b.ext;
      if (b.frame.payloadType === CN_PAYLOAD_TYPE) {
        this.state = 'silence';
        try {
          this.cng.setLevel(decodeNoiseLevel(b.frame.payload));
        } catch (err) {
          this.log.debug('bad comfort-noise payload', { error: (err as Error).message });
        }
        return this.cng.next();
      }
      // A frame of the agreed codec is speech, decodable or not.
      this.state = 'speech';
      try {
        const pcm = this.decoder.decode(Buffer.from(b.frame.payload));
        return isPromise(pcm) ? pcm.catch((err) => this.undecodable(err, b.frame.sequence)) : pcm;
      } catch (err) {
        return this.undecodable(err, b.frame.sequence);
      }
    }
    if (this.state === 'speech' && !this.isSilenceGap()) {
      this.concealed++;
      return this.decoder.conceal();
    }
    return this.state === 'silence' ? this.cng.next() : new Int16Array(this.o.frameSamples);
  }

  /** A payload the codec refused (CodecError) is concealed; any other fault (its plugin crashed) fails the call. */
  private undecodable(err: unknown, sequence: number): Awaitable<Int16Array> {
    if (!(err instanceof CodecError)) throw err;
    this.concealed++;
    this.log.debug('undecodable voice frame concealed', { code: err.code, sequence });
    return this.decoder.conceal();
  }

  /** The packet after the last one played is waiting further on: this gap is the sender's silence. */
  private isSilenceGap(): boolean {
    return this.lastPlayedExt !== undefined && this.waiting.has(this.lastPlayedExt + 1);
  }

  /** Unwrapped position of an RTP timestamp: the value nearest the highest seen. */
  private unwrap(timestamp: number): number {
    let d = (timestamp - this.o.timestampBase - this.highestPosition) % WRAP;
    if (d < 0) d += WRAP;
    if (d >= WRAP / 2) d -= WRAP;
    const position = this.highestPosition + d;
    if (position > this.highestPosition) this.highestPosition = position;
    return position;
  }
}
