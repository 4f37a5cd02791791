import { ContainerModule } from 'inversify';
import { Codec } from '@pinhole/core';
import { L16Codec } from './l16-codec';

export { L16Codec } from './l16-codec';

/** The codec's name: the `contributes.codecs[0].name` of this plugin's manifest. */
export const CODEC_NAME = 'template-codec';

/**
 * Bound while the plugin is active (the host activates it on `onCodec:template-codec`, or on
 * `onPayload:voice` when a call asks for voice); consumers take every Codec through
 * `contributionProvider(container, Codec)` and pick one by name.
 */
export const containerModule = new ContainerModule((bind) => {
  bind<Codec>(Codec).toConstantValue(new L16Codec(CODEC_NAME));
});
