import { PinholeError } from '../errors';

/**
 * Codec faults, voice and video: a frame of the wrong size, an undecodable payload, a disposed
 * instance, a codec nobody installed. Codes: E_CODEC_FRAME_SIZE, E_CODEC_PAYLOAD,
 * E_CODEC_DISPOSED, E_CODEC_UNKNOWN, E_CODEC_INTERNAL; video adds E_CODEC_SETTINGS (bad bitrate
 * or frame rate), E_CODEC_UNAVAILABLE (its engine, e.g. ffmpeg, cannot run here) and
 * E_CODEC_KEYFRAME_NEEDED (a delta frame with no reference: ask for a keyframe).
 */
export class CodecError extends PinholeError {}

/**
 * ITU-T G.113 figures the E-model (G.107) needs for a codec: equipment impairment `ie` and
 * packet-loss robustness `bpl`, with where they come from (a table, or a stated estimate).
 */
export interface CodecImpairment {
  ie: number;
  bpl: number;
  source: string;
}

/**
 * A result now, or a promise of it. A codec in the peer process answers at once; one isolated in
 * a worker (config `"isolation": "worker"`) answers with a promise. Consumers take both
 * (`isPromise`) and use the results of one encoder's or decoder's calls in call order — an
 * isolated codec resolves them in that order; a fault is thrown or rejected alike. A result may
 * be a view of a larger buffer (an isolated codec's results share their message's): read it
 * with its byteOffset and byteLength, never `.buffer` alone.
 */
export type Awaitable<T> = T | Promise<T>;

/** Whether an Awaitable is the promise kind. */
export function isPromise<T>(v: Awaitable<T>): v is Promise<T> {
  return typeof (v as Promise<T> | undefined)?.then === 'function';
}

/**
 * Turns one frame of PCM into one payload. Stateful (Opus predicts from earlier frames), so a
 * call creates its own and disposes it when the call ends. Arguments are taken at the call: the
 * caller may reuse its buffer as soon as `encode` returns, even when the result is a promise.
 */
export interface CodecEncoder {
  /** `pcm` holds exactly frameSamples × channels samples (interleaved); else E_CODEC_FRAME_SIZE. */
  encode(pcm: Int16Array): Awaitable<Buffer>;
  dispose(): void;
}

/** Turns payloads back into PCM, and makes up a frame when one is missing (packet-loss concealment). */
export interface CodecDecoder {
  /** Exactly frameSamples × channels samples; a payload that is not one frame of this codec is E_CODEC_PAYLOAD. */
  decode(payload: Buffer): Awaitable<Int16Array>;
  /**
   * One frame standing in for a lost one, built from what was decoded before and fading out
   * over consecutive losses; silence before anything was decoded.
   */
  conceal(): Awaitable<Int16Array>;
  dispose(): void;
}

/**
 * A voice (or video) codec as a codec plugin binds it: its static description — which matches
 * the plugin's `contributes.codecs` entry — and factories for per-call encoders and decoders.
 */
export interface Codec {
  readonly name: string;
  readonly payloadType: 'voice' | 'video';
  /** PCM sample rate in and out, and the RTP timestamp clock. */
  readonly clockRate: number;
  readonly channels: number;
  readonly frameMs: number;
  /** Samples per channel in one frame: clockRate × frameMs / 1000. */
  readonly frameSamples: number;
  /** The static RTP payload type (RFC 3551) when the codec has one (PCMU 0, PCMA 8). */
  readonly rtpPayloadType?: number;
  /** Algorithmic look-ahead in ms, part of the mouth-to-ear delay. */
  readonly lookaheadMs: number;
  readonly impairment: CodecImpairment;
  /** Per call; an isolated codec sets the instance up in its worker behind the scenes (its first call waits for that). */
  createEncoder(): CodecEncoder;
  createDecoder(): CodecDecoder;
}
export const Codec = Symbol('Codec');
