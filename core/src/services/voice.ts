import type { Disposable } from '../disposable';
import { PinholeError } from '../errors';
import type { StreamContext } from '../hooks/types';
import type { Logger } from '../log';

/**
 * Voice faults: no codec both sides offer (E_VOICE_NO_COMMON_CODEC), the peer never answered
 * the codec offer (E_VOICE_NEGOTIATION_TIMEOUT), an unreadable or unsupported WAV (E_WAV_FORMAT,
 * E_WAV_IO), bad options (E_VOICE_OPTIONS), a malformed voice datagram (E_VOICE_PACKET).
 */
export class VoiceError extends PinholeError {}

/** Mono 16-bit PCM in memory. */
export interface PcmAudio {
  sampleRate: number;
  samples: Int16Array;
}

/** What a voice call needs from an established call (an EstablishedCall fits). */
export interface VoiceTarget {
  callId: string;
  role: 'caller' | 'callee';
  session: {
    openStream(payloadType: string): Promise<StreamContext>;
    onClose(handler: (reason: string) => void): Disposable;
  };
}

export interface VoiceOptions {
  /** What to say: a WAV file (PCM 16-bit mono, any rate) or samples; none = listen only. */
  input?: string | PcmAudio;
  /** Where to record what the peer says (WAV, PCM 16-bit mono). */
  record?: string;
  /** Sample rate of the recording; default the input's rate, else the codec's clock rate. */
  recordRate?: number;
  /** Caller: the codec to use if the callee offers it (otherwise the first common one in our order). */
  codec?: string;
  /** Exactly the codecs to offer, in preference order; default every installed one, ordered by the payload-voice plugin's `codecs` option. */
  codecs?: string[];
  /** Voice activity detection with silence suppression and comfort noise; default the plugin option. */
  vad?: boolean;
  /**
   * 1 = real time (default). Above 1 the whole call runs that many times faster — sender pacing,
   * playout and reports all follow one scaled clock — for tests and benchmarks; all reported
   * times are then in media milliseconds.
   */
  speed?: number;
  /** Give up when the peer has not answered the codec offer within this (real) time; default 10 s. */
  negotiateTimeoutMs?: number;
  /**
   * The microphone and speaker ends, e.g. to measure mouth-to-ear delay: `onCapture` gets each
   * input frame as the sender takes it, `onPlayout` each frame as it is played (decoded,
   * concealed or comfort noise); both at the codec's clock rate, called at that very moment.
   */
  onCapture?: (pcm: Int16Array) => void;
  onPlayout?: (pcm: Int16Array) => void;
  log?: Logger;
}

/** Call quality at the end (or so far) of one voice call, as `voice.stats` prints it. */
export interface VoiceStats {
  callId: string;
  codec: string;
  durationMs: number;
  /** Frames we sent: speech frames plus comfort-noise updates. */
  packetsSent: number;
  comfortNoiseSent: number;
  bytesSent: number;
  packetsReceived: number;
  /** RFC 3550: expected (by sequence number) minus received. */
  packetsLost: number;
  /** Arrived after their playout time, so discarded. */
  packetsLate: number;
  packetsDuplicate: number;
  /** Voice datagrams that did not parse or carried a payload type not agreed on (dropped). */
  packetsMalformed: number;
  /** Frames made up by loss concealment (lost or late speech). */
  framesConcealed: number;
  /** RFC 3550 §6.4.1 interarrival jitter, in ms. */
  jitterMs: number;
  /** Mean extra wait of the adaptive jitter buffer beyond the fastest packet, in ms. */
  bufferDelayMs: number;
  /** Round trip from receiver reports (RTCP LSR/DLSR style); absent before the first one came back. */
  rttMs?: number;
  /** One-way delay for the E-model: rtt/2 + buffer delay + frame + codec look-ahead. */
  mouthToEarMs: number;
  /** Effective loss for the E-model: (lost + late) / expected, in percent. */
  lossPercent: number;
  /** G.107 burst ratio from the observed loss pattern (1 = random). */
  burstRatio: number;
  /** ITU-T G.107 transmission rating and its MOS (narrowband scale). */
  r: number;
  mos: number;
  /** What the peer last reported about the stream we send. */
  remotePacketsReceived?: number;
  remotePacketsLost?: number;
  remoteJitterMs?: number;
  /** Samples written to the recording, at recordRate. */
  recordedSamples: number;
}

/** A running voice call: both directions at once. */
export interface VoiceCall {
  /** The codec the caller chose. */
  readonly codec: string;
  /**
   * Resolves when our input has been sent to the end (at once if we have none) and the peer's
   * stream has ended (its BYE played out, or it announced it sends nothing).
   */
  readonly finished: Promise<void>;
  /** Quality so far. */
  stats(): VoiceStats;
  /** Stops sending (BYE) and playout, plays out what is buffered, closes the recording. */
  stop(): Promise<VoiceStats>;
}

export interface VoiceService {
  /** Codecs installed here, in this side's preference order. */
  codecs(): Promise<string[]>;
  /** Reads a WAV as start() would, so a bad input fails before a call (E_WAV_FORMAT / E_WAV_IO, saying how to convert it). */
  check(input: string): Promise<{ sampleRate: number; seconds: number }>;
  /**
   * Opens the call's `voice` stream, agrees on a codec (the caller chooses from what both offer)
   * and starts streaming and recording. Resolves once the codec is agreed.
   */
  start(call: VoiceTarget, opts?: VoiceOptions): Promise<VoiceCall>;
}
export const VoiceService = Symbol('VoiceService');
