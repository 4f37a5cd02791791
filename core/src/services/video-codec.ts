import { CodecError } from './codec';

/**
 * Video codecs (codec-vp8, codec-mjpeg …) beside the audio Codec: a codec plugin binds its
 * VideoCodec; payload-video takes them all through a contribution provider. Frames are I420
 * (planar YUV 4:2:0, BT.601 limited range, as Y4M `C420jpeg`/`C420` carry them). Encoders and
 * decoders may run out of process (ffmpeg), so every call is asynchronous and `dispose()`
 * resolves once the child is gone. Faults are CodecError (codes in codec.ts, plus
 * E_CODEC_UNAVAILABLE when the codec's engine is missing and E_CODEC_KEYFRAME_NEEDED when a
 * decoder is given a delta frame it has no reference for).
 */

/** One picture, I420: Y (width×height), then U and V (width/2 × height/2 each). */
export interface VideoFrame {
  width: number;
  height: number;
  data: Buffer;
}

/** Bytes of an I420 picture. */
export function i420Size(width: number, height: number): number {
  return width * height + 2 * (width >> 1) * (height >> 1);
}

export interface EncodedVideoFrame {
  data: Buffer;
  /** Decodable alone (intra), and every later frame may build on it. */
  keyframe: boolean;
}

/** What an encoder aims at; the payload's bandwidth estimator changes bitrate and frame rate live. */
export interface VideoEncoderSettings {
  width: number;
  height: number;
  /** Frames per second the encoder is fed (its rate control spends bitrate/frameRate per frame). */
  frameRate: number;
  /** Target bits per second. */
  bitrate: number;
}

export interface VideoEncoder {
  /** The settings now in force (after any change the encoder has applied). */
  readonly settings: Readonly<VideoEncoderSettings>;
  /**
   * Encodes one frame of the configured size (else E_CODEC_FRAME_SIZE). Calls resolve in order;
   * the first frame, and the next after requestKeyframe() or `keyframe: true`, is a keyframe.
   */
  encode(frame: VideoFrame, opts?: { keyframe?: boolean }): Promise<EncodedVideoFrame>;
  /** New target bitrate and/or frame rate; applied from a later frame (each codec says how soon and at what cost). */
  configure(change: Partial<Pick<VideoEncoderSettings, 'bitrate' | 'frameRate'>>): void;
  /** The next encoded frame is a keyframe (a receiver lost the chain: PLI). */
  requestKeyframe(): void;
  /** Stops the encoder and releases its process; further calls fail with E_CODEC_DISPOSED. Idempotent. */
  dispose(): Promise<void>;
}

export interface VideoDecoder {
  /**
   * Decodes one encoded frame to a picture of the stream's size. A payload that is not a frame
   * of this codec is E_CODEC_PAYLOAD; a delta frame with no keyframe before it is
   * E_CODEC_KEYFRAME_NEEDED. The decoder survives both and decodes on.
   */
  decode(payload: Buffer): Promise<VideoFrame>;
  dispose(): Promise<void>;
}

/**
 * A video codec as its plugin binds it. `available()` says whether it can run here (an
 * external engine such as ffmpeg may be missing) and why not, so the payload can fall back.
 */
export interface VideoCodec {
  readonly name: string;
  readonly payloadType: 'video';
  /** RTP clock for video timestamps (90 kHz). */
  readonly clockRate: number;
  /** Whether delta frames exist (VP8) or every frame stands alone (MJPEG). */
  readonly interFrame: boolean;
  /** Frame sizes it takes: even width and height within these bounds. */
  readonly maxWidth: number;
  readonly maxHeight: number;
  available(): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Resolves once the encoder takes frames at speed (an external process is up), so the caller may start its clock then. */
  createEncoder(settings: VideoEncoderSettings): Promise<VideoEncoder>;
  createDecoder(size: { width: number; height: number }): Promise<VideoDecoder>;
}
export const VideoCodec = Symbol('VideoCodec');

/** Settings every video codec refuses alike: odd or out-of-range sizes, non-positive rates. */
export function checkVideoSettings(codec: Pick<VideoCodec, 'name' | 'maxWidth' | 'maxHeight'>, s: Partial<VideoEncoderSettings> & { width: number; height: number }): void {
  const { width, height } = s;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 16 || height < 16 || width % 2 || height % 2 || width > codec.maxWidth || height > codec.maxHeight)
    throw new CodecError('E_CODEC_FRAME_SIZE', `${codec.name} takes even frame sizes from 16×16 to ${codec.maxWidth}×${codec.maxHeight}, got ${width}×${height}`, { codec: codec.name });
  for (const k of ['frameRate', 'bitrate'] as const)
    if (s[k] !== undefined && !(Number.isFinite(s[k]) && (s[k] as number) > 0))
      throw new CodecError('E_CODEC_SETTINGS', `${codec.name}: ${k} must be a positive number, got ${s[k]}`, { codec: codec.name });
}

/** E_CODEC_FRAME_SIZE unless `frame` is an I420 picture of exactly width×height. */
export function checkVideoFrame(codec: string, size: { width: number; height: number }, frame: unknown): asserts frame is VideoFrame {
  const f = frame as Partial<VideoFrame> | null | undefined;
  const ok = !!f && f.width === size.width && f.height === size.height && Buffer.isBuffer(f.data) && f.data.length === i420Size(size.width, size.height);
  if (!ok) {
    const got = f && Buffer.isBuffer(f.data) ? `${f.width}×${f.height} with ${f.data.length} bytes` : f === null ? 'null' : typeof f;
    throw new CodecError('E_CODEC_FRAME_SIZE', `${codec} encodes I420 frames of ${size.width}×${size.height} (${i420Size(size.width, size.height)} bytes), got ${got}`, { codec });
  }
}

/** A payload that is not even bytes. */
export function checkVideoPayload(codec: string, payload: unknown, maxBytes: number): asserts payload is Buffer {
  if (!Buffer.isBuffer(payload) || payload.length === 0 || payload.length > maxBytes)
    throw new CodecError('E_CODEC_PAYLOAD', `${codec} payload must be 1–${maxBytes} bytes, got ${Buffer.isBuffer(payload) ? `${payload.length} bytes` : payload === null ? 'null' : typeof payload}`, { codec });
}

export function videoCodecDisposed(codec: string): CodecError {
  return new CodecError('E_CODEC_DISPOSED', `${codec} encoder or decoder was disposed; create a new one`, { codec });
}
