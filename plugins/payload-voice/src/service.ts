import { inject, injectable, named } from 'inversify';
import {
  Codec,
  ContributionProvider,
  Contributions,
  Logger,
  ServiceLoader,
  VoiceError,
  type PcmAudio,
  type VoiceCall,
  type VoiceOptions,
  type VoiceService,
  type VoiceTarget,
} from '@pinhole/core';
import { orderCodecs } from './negotiation';
import { VoicePluginOptions } from './options';
import { VoiceCallSession } from './voice-call';
import { readWav } from './wav';

/**
 * The VoiceService the payload-voice plugin binds. Its codecs are picked through the `codecs`
 * contribution point: every voice codec an enabled plugin declares, that plugin activated
 * (`onCodec:<name>`), taken from the Codec bindings by that name.
 */
@injectable()
export class PayloadVoiceService implements VoiceService {
  private readonly log: Logger;

  constructor(
    @inject(VoicePluginOptions) private readonly options: VoicePluginOptions,
    @inject(Contributions) private readonly contributions: Contributions,
    @inject(ServiceLoader) private readonly loader: ServiceLoader,
    @inject(ContributionProvider) @named(Codec) private readonly provider: ContributionProvider<Codec>,
    @inject(Logger) log: Logger,
  ) {
    this.log = log.child('payload-voice');
  }

  async codecs(): Promise<string[]> {
    return orderCodecs(await this.installed(), this.options.codecs).map((c) => c.name);
  }

  /** The voice codecs the manifests declare whose plugins activate; one that fails is left out (and logged). */
  private async installed(): Promise<Codec[]> {
    const names = new Set<string>();
    for (const c of this.contributions.of('codecs')) {
      if (c.payloadType !== 'voice') continue;
      try {
        await this.loader.activate(`onCodec:${c.name}`);
        names.add(c.name);
      } catch (err) {
        this.log.warn(`codec "${c.name}" of plugin "${c.pluginId}" is left out: ${(err as Error).message}`);
      }
    }
    return this.provider.getContributions().filter((c) => names.has(c.name));
  }

  async check(input: string): Promise<{ sampleRate: number; seconds: number }> {
    const a = readWav(input);
    return { sampleRate: a.sampleRate, seconds: a.samples.length / a.sampleRate };
  }

  async start(call: VoiceTarget, opts: VoiceOptions = {}): Promise<VoiceCall> {
    const speed = opts.speed ?? 1;
    if (!(speed > 0 && Number.isFinite(speed))) throw new VoiceError('E_VOICE_OPTIONS', `speed must be a positive number, got ${opts.speed}`);
    const input = typeof opts.input === 'string' ? readWav(opts.input) : opts.input;
    if (input) checkAudio(input);
    const first = call.role === 'caller' ? opts.codec : undefined;
    const installed = await this.installed();
    // The codec asked for is missing: if its plugin failed to activate, that error (naming the plugin) says why.
    if (first !== undefined && !installed.some((c) => c.name === first)) await this.loader.activate(`onCodec:${first}`);
    // An explicit per-call list is the exact offer; the plugin option only orders what is installed.
    const codecs = orderCodecs(installed, opts.codecs ?? this.options.codecs, first, opts.codecs !== undefined);
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
