import { ContainerModule } from 'inversify';
import { Codec, type PluginContext } from '@pinhole/core';
import { L16Codec } from './l16-codec';

export { L16Codec, CODEC_NAME } from './l16-codec';

/**
 * The one way to bind: a ContainerModule made from the plugin's context. A voice call finds the
 * codec through this plugin's `contributes.codecs` entry (activating `onCodec:template-codec`)
 * and takes every Codec through a ContributionProvider, picking this one by name.
 */
export function containerModule(_ctx: PluginContext): ContainerModule {
  return new ContainerModule((bind) => {
    bind(Codec).to(L16Codec).inSingletonScope();
  });
}
