import { ContainerModule } from 'inversify';
import { VideoService, type Logger, type PluginContext } from '@pinhole/core';
import { VideoPluginOptions } from './options';
import { PayloadVideoService, VideoLog } from './service';

export { PayloadVideoService } from './service';
export { VideoCallSession } from './video-call';
export { Y4mReader, Y4mWriter } from './y4m-file';
export { FrameAssembler, type AssembledFrame, type AssemblerLimits, type FragmentOutcome } from './assembler';
export { DelayEstimator, RateController } from './delay-estimator';
export { ReceiveTracker } from './receive-tracker';
export { Pacer, type Paced } from './pacer';
export { PlayoutDelay } from './playout-delay';
export { FrameDecimator } from './frame-decimator';
export { VideoRecorder } from './recorder';
export { orderVideoCodecs, chooseVideoCodec } from './negotiation';
export { encodeVideoPacket, decodeVideoPacket, FRAGMENT_BYTES, MAX_VIDEO_PACKET, type VideoPacket, type FragmentMsg, type FeedbackMsg } from './wire';
export { VideoPluginOptions } from './options';

/** Binds VideoService: what `pinhole call --video` and `pinhole peer --video/--inbox` use. */
export function containerModule(ctx: PluginContext<VideoPluginOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind<VideoPluginOptions>(VideoPluginOptions).toConstantValue(ctx.options);
    bind<Logger>(VideoLog).toConstantValue(ctx.log);
    bind<VideoService>(VideoService).to(PayloadVideoService).inSingletonScope();
  });
}
