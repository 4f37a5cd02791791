import {
  Codec,
  contributionProvider,
  VoiceError,
  type ContributionProvider,
  type Logger,
  type PcmAudio,
  type PluginContext,
  type VoiceCall,
  type VoiceOptions,
  type VoiceService,
  type VoiceTarget,
} from '@pinhole/core';
import { orderCodecs } from './negotiation';
import type { VoicePluginOptions } from './options';
import { VoiceCallSession } from './voice-call';
import { readWav } from './wav';

/**
 * The VoiceService the payload-voice plugin binds. Codecs are whatever codec plugins have bound
 * to the Codec symbol; starting a call first activates `onPayload:voice` (which codec plugins
 * list) and `onCodec:<name>` for a codec asked for by name, so they are there even when loaded lazily.
 */
export class PayloadVoiceService implements VoiceService {
  private readonly provider: ContributionProvider<Codec>;

  constructor(
    private readonly context: Pick<PluginContext, 'container' | 'activateByEvent'>,
    private readonly options: VoicePluginOptions,
    private readonly log: Logger,
  ) {
    this.provider = contributionProvider<Codec>(context.container, Codec);
  }

  async codecs(): Promise<string[]> {
    await this.context.activateByEvent('onPayload:voice');
    return orderCodecs(this.provider.getContributions(), this.options.codecs).map((c) => c.name);
  }

  async start(call: VoiceTarget, opts: VoiceOptions = {}): Promise<VoiceCall> {
    const speed = opts.speed ?? 1;
    if (!(speed > 0 && Number.isFinite(speed))) throw new VoiceError('E_VOICE_OPTIONS', `speed must be a positive number, got ${opts.speed}`);
    const input = typeof opts.input === 'string' ? readWav(opts.input) : opts.input;
    if (input) checkAudio(input);
    await this.context.activateByEvent('onPayload:voice');
    if (opts.codec) await this.context.activateByEvent(`onCodec:${opts.codec}`);
    const first = call.role === 'caller' ? opts.codec : undefined;
    // An explicit per-call list is the exact offer; the plugin option only orders what is installed.
    const codecs = orderCodecs(this.provider.getContributions(), opts.codecs ?? this.options.codecs, first, opts.codecs !== undefined);
    return VoiceCallSession.start(call, opts, {
      codecs,
      input,
      vad: opts.vad ?? this.options.vad,
      comfortNoiseIntervalMs: this.options.comfortNoiseIntervalMs,
      jitter: { minDelayMs: this.options.minDelayMs, floorDelayMs: this.options.floorDelayMs, maxDelayMs: this.options.maxDelayMs },
      log: opts.log ?? this.log,
    });
  }
}

function checkAudio(a: PcmAudio): void {
  if (!(a.samples instanceof Int16Array) || !Number.isInteger(a.sampleRate) || a.sampleRate < 8000 || a.sampleRate > 192000)
    throw new VoiceError('E_VOICE_OPTIONS', 'input must be a WAV path or { sampleRate: 8000–192000, samples: Int16Array }');
}
