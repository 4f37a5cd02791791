import { ContainerModule } from 'inversify';
import { VideoCodec, type PluginContext } from '@pinhole/core';
import { MjpegCodec } from './mjpeg-codec';
import { MjpegOptions } from './options';

export { MjpegCodec } from './mjpeg-codec';
export { QualityControl } from './quality-control';
export { i420ToRgba, rgbaToI420 } from './yuv';
export { MjpegOptions } from './options';

/** Binds MJPEG to the shared VideoCodec symbol, with the plugin's options; unloaded on deactivation. */
export function containerModule(ctx: PluginContext<MjpegOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind<MjpegOptions>(MjpegOptions).toConstantValue(ctx.options);
    bind<VideoCodec>(VideoCodec).to(MjpegCodec).inSingletonScope();
  });
}
