import { ContainerModule } from 'inversify';
import { Codec, type PluginContext } from '@pinhole/core';
import { OpusCodec, OpusOptions } from './opus-codec';

export { OpusCodec, type OpusOptions } from './opus-codec';
export { opusPacketSamples, concealmentToc } from './toc';

/** Opus, configured from the plugin's options, as a Codec named "opus" (contributes.codecs). */
export function containerModule(ctx: PluginContext<OpusOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind(OpusOptions).toConstantValue(ctx.options);
    bind(Codec).to(OpusCodec).inSingletonScope();
  });
}
