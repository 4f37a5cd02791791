import type { Codec } from '../services/codec';
import type { EncodedVideoFrame, VideoCodec, VideoEncoderSettings, VideoFrame } from '../services/video-codec';
import type { PluginManifest } from '../manifest/types';

/**
 * The RPC between the host and a plugin's isolation worker (plugin-worker.ts). Only plain data
 * crosses: a codec's description once, then per-call encoder/decoder instances addressed by ids
 * the host picks (so creating one needs no round trip: the worker sets it up when the id's
 * `create` arrives, in order before its first call).
 */
export interface PluginWorkerData {
  pluginId: string;
  dir: string;
  main: string;
  manifest: PluginManifest;
  options: Record<string, unknown>;
}

/** What a Codec describes about itself, as data. */
export type CodecDescriptor = Pick<Codec, 'name' | 'payloadType' | 'clockRate' | 'channels' | 'frameMs' | 'frameSamples' | 'rtpPayloadType' | 'lookaheadMs' | 'impairment'>;

/** What a VideoCodec describes about itself, as data. */
export type VideoCodecDescriptor = Pick<VideoCodec, 'name' | 'payloadType' | 'clockRate' | 'interFrame' | 'maxWidth' | 'maxHeight'>;

export type InstanceKind = 'encoder' | 'decoder';

export interface PluginWorkerApi {
  /** The voice and video codecs the plugin binds, each in binding order (their index addresses them). */
  describe(): { voice: CodecDescriptor[]; video: VideoCodecDescriptor[] };
  /** One-way: sets up instance `id` of codec `codec`; a failure is kept and thrown by the instance's calls. */
  create(kind: InstanceKind, codec: number, id: number): void;
  encode(id: number, pcm: Int16Array): Buffer;
  decode(id: number, payload: Buffer): Int16Array;
  conceal(id: number): Int16Array;
  /** One-way. */
  dispose(id: number): void;
  videoAvailable(codec: number): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Resolves with the settings in force once the encoder takes frames. */
  createVideoEncoder(codec: number, id: number, settings: VideoEncoderSettings): Promise<VideoEncoderSettings>;
  createVideoDecoder(codec: number, id: number, size: { width: number; height: number }): Promise<void>;
  /** The encoded frame and the settings in force after it. */
  videoEncode(id: number, frame: VideoFrame, keyframe: boolean): Promise<EncodedVideoFrame & { settings: VideoEncoderSettings }>;
  /** One-way. */
  videoConfigure(id: number, change: Partial<Pick<VideoEncoderSettings, 'bitrate' | 'frameRate'>>): void;
  /** One-way. */
  videoKeyframe(id: number): void;
  videoDecode(id: number, payload: Buffer): Promise<VideoFrame>;
  videoDispose(id: number): Promise<void>;
  /** The plugin's deactivate() and subscriptions, before the worker is stopped. */
  deactivate(): Promise<void>;
}
