import type { Sandbox } from '@pinhole/sandbox';
import {
  checkVideoSettings,
  videoCodecDisposed,
  type EncodedVideoFrame,
  type VideoCodec,
  type VideoDecoder,
  type VideoEncoder,
  type VideoEncoderSettings,
  type VideoFrame,
} from '../services/video-codec';
import { fromSandbox, IsolationErrors } from './errors';
import type { PluginWorkerApi, VideoCodecDescriptor } from './worker-api';

type Api = PluginWorkerApi;

/** Its description's fields, read once from the worker (declaration merging: no field list twice). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-unsafe-declaration-merging
export interface RemoteVideoCodec extends Readonly<VideoCodecDescriptor> {}

/**
 * A VideoCodec whose encoders and decoders live in its plugin's isolation worker. The contract
 * is asynchronous already; frames cross as their I420 bytes (one buffer per batch, see the
 * sandbox's arena). `settings` is what the worker's encoder reported with its last frame;
 * `configure` and `requestKeyframe` are sent without waiting, in order with the frames.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class RemoteVideoCodec implements VideoCodec {
  constructor(
    private readonly pluginId: string,
    private readonly sandbox: Sandbox<Api>,
    private readonly index: number,
    private readonly nextId: () => number,
    d: VideoCodecDescriptor,
  ) {
    Object.assign(this, d);
  }

  available(): Promise<{ ok: true } | { ok: false; reason: string }> {
    return this.call('videoAvailable', [this.index]);
  }

  async createEncoder(settings: VideoEncoderSettings): Promise<VideoEncoder> {
    checkVideoSettings(this, settings);
    const live = this.instance('encoder');
    let current = await this.call<VideoEncoderSettings>('createVideoEncoder', [this.index, live.id, settings]);
    return {
      get settings() {
        return current;
      },
      encode: async (frame: VideoFrame, opts?: { keyframe?: boolean }): Promise<EncodedVideoFrame> => {
        live.check();
        const out = await this.call<EncodedVideoFrame & { settings: VideoEncoderSettings }>('videoEncode', [live.id, frame, !!opts?.keyframe]);
        current = out.settings;
        return { data: out.data, keyframe: out.keyframe };
      },
      configure: (change) => {
        live.check();
        checkVideoSettings(this, { ...current, ...change });
        this.sandbox.send('videoConfigure', [live.id, change]);
      },
      requestKeyframe: () => {
        live.check();
        this.sandbox.send('videoKeyframe', [live.id]);
      },
      dispose: () => live.dispose(),
    };
  }

  async createDecoder(size: { width: number; height: number }): Promise<VideoDecoder> {
    const live = this.instance('decoder');
    await this.call('createVideoDecoder', [this.index, live.id, { width: size.width, height: size.height }]);
    return {
      decode: async (payload: Buffer) => {
        live.check();
        return this.call<VideoFrame>('videoDecode', [live.id, payload]);
      },
      dispose: () => live.dispose(),
    };
  }

  /** An instance id, and checks that it is still usable: not disposed, not lost with a crashed worker. */
  private instance(kind: 'encoder' | 'decoder') {
    const id = this.nextId();
    const epoch = this.sandbox.epoch;
    let disposed = false;
    return {
      id,
      check: () => {
        if (disposed) throw videoCodecDisposed(this.name);
        if (this.sandbox.epoch !== epoch) throw IsolationErrors.STATE_LOST(this.pluginId, `video ${kind}`);
      },
      dispose: async () => {
        if (disposed) return;
        disposed = true;
        if (this.sandbox.epoch === epoch) await this.call('videoDispose', [id]).catch(() => undefined);
      },
    };
  }

  private call<T>(method: keyof Api, args: unknown[]): Promise<T> {
    return this.sandbox.call(method, args).catch((err) => {
      throw fromSandbox(this.pluginId, err);
    }) as Promise<T>;
  }
}
