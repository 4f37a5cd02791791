import { PinholeError } from '../errors';
import type { Logger } from '../log';
import type { VoiceTarget } from './voice';

/**
 * Video faults: unreadable or unsupported Y4M (E_Y4M_FORMAT, E_Y4M_TRUNCATED, E_Y4M_COLORSPACE,
 * E_Y4M_FRAME, E_Y4M_IO), no codec both sides offer (E_VIDEO_NO_COMMON_CODEC), the peer never
 * answered (E_VIDEO_NEGOTIATION_TIMEOUT), the session ended first (E_VIDEO_SESSION_CLOSED),
 * bad options (E_VIDEO_OPTIONS), a malformed video datagram (E_VIDEO_PACKET).
 */
export class VideoError extends PinholeError {}

/** What a video call needs from an established call: the same as voice (an EstablishedCall fits). */
export type VideoTarget = VoiceTarget;

export interface VideoOptions {
  /** What to send: a Y4M file (I420); none = receive only. */
  input?: string;
  /** Where to record what the peer sends (Y4M, one frame per source frame, freezes repeated). */
  record?: string;
  /** Caller: the codec to use if the callee offers it. */
  codec?: string;
  /** Exactly the codecs to offer, in preference order; default every available one, ordered by the plugin's `codecs` option. */
  codecs?: string[];
  /** Starting target bitrate (bit/s); default the plugin option. */
  startBitrate?: number;
  /** Highest bitrate the estimator may ask for (bit/s); default the plugin option. */
  maxBitrate?: number;
  /** Give up when the peer has not answered the offer within this; default 10 s. */
  negotiateTimeoutMs?: number;
  /**
   * The voice call on the same session, for A/V sync: video playout waits for audio's
   * delay, and `avOffsetMs` reports what is left between them.
   */
  audio?: { stats(): { mouthToEarMs: number } | undefined };
  log?: Logger;
}

/** Quality of one video call so far (both directions), as `video.stats` prints it. */
export interface VideoStats {
  callId: string;
  codec: string;
  durationMs: number;
  /** Sender side. */
  width: number;
  height: number;
  framesSent: number;
  keyframesSent: number;
  /** Source frames not encoded: the encoder was still busy with earlier ones (CPU), or the rate control or a full pacer held them back (bandwidth), as WebRTC's qualityLimitationReason tells apart. */
  framesSkippedCpu: number;
  framesSkippedBandwidth: number;
  bytesSent: number;
  packetsSent: number;
  retransmissionsSent: number;
  /** Keyframe requests (PLI) and NACKed packets the peer sent us. */
  pliReceived: number;
  nackReceived: number;
  /** What the bandwidth estimator allows now, what the encoder aims at, and the frame rate it is fed. */
  targetBitrate: number;
  encoderBitrate: number;
  sendFrameRate: number;
  /** Measured over the last second. */
  sendBitrate: number;
  /** Receiver side. */
  framesReceived: number;
  framesDecoded: number;
  /** Frames given up: incomplete at their deadline, undecodable, or after a broken chain. */
  framesDropped: number;
  keyframesReceived: number;
  /** Freezes: spells of ≥ 3 frame intervals (or 200 ms) with no new picture; and their total length. */
  freezeCount: number;
  freezeMs: number;
  longestFreezeMs: number;
  packetsReceived: number;
  /** Expected by sequence number minus received (after retransmission). */
  packetsLost: number;
  /** Packets that came by retransmission after a NACK. */
  packetsRecovered: number;
  nackSent: number;
  pliSent: number;
  /** Datagrams on the video stream that did not parse or broke the fragment rules (wrong frame ids, overlaps, oversize totals). */
  packetsMalformed: number;
  /** RFC 3550 interarrival jitter of fragments, ms. */
  jitterMs: number;
  /** Target frame-buffer delay (jitter and retransmission allowance), ms. */
  playoutDelayMs: number;
  receiveBitrate: number;
  receiveFrameRate: number;
  rttMs?: number;
  /** Capture-to-display delay of video minus mouth-to-ear delay of voice (positive: video late); with a voice call only. */
  avOffsetMs?: number;
  /** What the peer last reported about the stream we send. */
  remoteLossPercent?: number;
  /** Loss of first transmissions in the peer's last report interval (before retransmission), percent. */
  remoteRecentLossPercent?: number;
  remoteFramesDecoded?: number;
  remoteFramesDropped?: number;
  remoteFreezeCount?: number;
  /** Frames written to the recording. */
  recordedFrames: number;
}

export interface VideoCall {
  readonly codec: string;
  /** Resolves when our input was sent to the end (at once if none) and the peer's stream ended. */
  readonly finished: Promise<void>;
  stats(): VideoStats;
  stop(): Promise<VideoStats>;
}

export interface VideoService {
  /** Video codecs available here (engine present), in this side's preference order. */
  codecs(): Promise<string[]>;
  /** Opens the call's `video` stream, agrees on a codec and starts sending and recording. */
  start(call: VideoTarget, opts?: VideoOptions): Promise<VideoCall>;
}
export const VideoService = Symbol('VideoService');
