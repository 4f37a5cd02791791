import { ContainerModule } from 'inversify';
import { Codec, type PluginContext } from '@pinhole/core';
import { G711Codec } from './g711-codec';

export { G711Codec } from './g711-codec';
export { PitchRepeatConcealer } from './plc';

/**
 * PCMU and PCMA, each a Codec named as in contributes.codecs; a voice call finds them through
 * that contribution point (activating `onCodec:pcmu` / `onCodec:pcma`) and the Codec provider.
 */
export function containerModule(_ctx: PluginContext): ContainerModule {
  return new ContainerModule((bind) => {
    for (const law of ['pcmu', 'pcma'] as const) bind<Codec>(Codec).toDynamicValue(() => new G711Codec(law)).inSingletonScope();
  });
}
