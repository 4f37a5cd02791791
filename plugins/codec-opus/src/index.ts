import { ContainerModule } from 'inversify';
import { Codec, type PluginContext } from '@pinhole/core';
import { DEFAULT_OPUS_OPTIONS, OpusCodec, type OpusOptions } from './opus-codec';

export { OpusCodec, DEFAULT_OPUS_OPTIONS, type OpusOptions } from './opus-codec';
export { opusPacketSamples, concealmentToc } from './toc';

/**
 * Binds the Opus codec (configured from the plugin options) to the shared Codec symbol. The
 * binding lives in its own module so unloading it leaves other plugins' codecs bound.
 */
export function activate(context: PluginContext): void {
  const options: OpusOptions = { ...DEFAULT_OPUS_OPTIONS, ...(context.options as Partial<OpusOptions>) };
  const module = new ContainerModule((bind) => {
    bind<Codec>(Codec).toConstantValue(new OpusCodec(options));
  });
  context.container.load(module);
  context.subscriptions.push({ dispose: () => context.container.unload(module) });
}
