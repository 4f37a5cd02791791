import { inject, injectable, named } from 'inversify';
import {
  ContributionProvider,
  ServiceLoader,
  type Logger,
  VideoCodec,
  VideoError,
  type VideoCall,
  type VideoOptions,
  type VideoService,
  type VideoTarget,
} from '@pinhole/core';
import { orderVideoCodecs } from './negotiation';
import { VideoPluginOptions } from './options';
import { VideoCallSession } from './video-call';

/** The plugin's logger (plugin-private token). */
export const VideoLog = Symbol('VideoLog');

/**
 * The VideoService payload-video binds. Codecs are whatever codec plugins bound to VideoCodec
 * (activated by `onPayload:video`); those that cannot run here (vp8 without ffmpeg) are left
 * out, said once in the log, so mjpeg — pure JavaScript — is the default then.
 */
@injectable()
export class PayloadVideoService implements VideoService {
  private warned = new Set<string>();

  constructor(
    @inject(ServiceLoader) private readonly loader: ServiceLoader,
    @inject(ContributionProvider) @named(VideoCodec) private readonly provider: ContributionProvider<VideoCodec>,
    @inject(VideoPluginOptions) private readonly options: VideoPluginOptions,
    @inject(VideoLog) private readonly log: Logger,
  ) {}

  async codecs(): Promise<string[]> {
    const { usable, unusable } = await this.installed();
    return orderVideoCodecs(usable, unusable, this.options.codecs).map((c) => c.name);
  }

  async start(call: VideoTarget, opts: VideoOptions = {}): Promise<VideoCall> {
    for (const k of ['startBitrate', 'maxBitrate'] as const)
      if (opts[k] !== undefined && !(Number.isFinite(opts[k]) && (opts[k] as number) >= this.options.minBitrate))
        throw new VideoError('E_VIDEO_OPTIONS', `${k} must be a number of bit/s ≥ ${this.options.minBitrate}, got ${opts[k]}`);
    if (opts.codec) await this.loader.activate(`onCodec:${opts.codec}`);
    const { usable, unusable } = await this.installed();
    const first = call.role === 'caller' ? opts.codec : undefined;
    const codecs = orderVideoCodecs(usable, unusable, opts.codecs ?? this.options.codecs, first, opts.codecs !== undefined);
    return VideoCallSession.start(call, opts, { codecs, options: this.options, log: opts.log ?? this.log });
  }

  private async installed(): Promise<{ usable: VideoCodec[]; unusable: Map<string, string> }> {
    await this.loader.activate('onPayload:video');
    const all = this.provider.getContributions();
    const usable: VideoCodec[] = [];
    const unusable = new Map<string, string>();
    for (const c of all) {
      const a = await c.available();
      if (a.ok) usable.push(c);
      else {
        unusable.set(c.name, a.reason);
        if (!this.warned.has(c.name)) {
          this.warned.add(c.name);
          this.log.warn(`video codec ${c.name} is unavailable, not offered: ${a.reason}${all.some((x) => x.name === 'mjpeg') ? '; mjpeg (embedded) is used instead' : ''}`);
        }
      }
    }
    return { usable, unusable };
  }
}
