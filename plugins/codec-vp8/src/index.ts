import { ContainerModule } from 'inversify';
import { VideoCodec, type PluginContext } from '@pinhole/core';
import { Vp8Codec } from './vp8-codec';
import { Vp8Options } from './options';

export { Vp8Codec } from './vp8-codec';
export { Vp8Encoder } from './vp8-encoder';
export { Vp8Decoder } from './vp8-decoder';
export { encoderArgs } from './encoder-process';
export { parseVp8Header, type Vp8FrameInfo } from './vp8-header';
export { IvfParser, ivfFileHeader, ivfFrameHeader } from './ivf';
export { probeFfmpeg } from './ffmpeg-child';
export { Vp8Options } from './options';

/** Binds VP8 to the shared VideoCodec symbol, with the plugin's options; unloaded on deactivation. */
export function containerModule(ctx: PluginContext<Vp8Options>): ContainerModule {
  return new ContainerModule((bind) => {
    bind<Vp8Options>(Vp8Options).toConstantValue(ctx.options);
    bind<VideoCodec>(VideoCodec).to(Vp8Codec).inSingletonScope();
  });
}
