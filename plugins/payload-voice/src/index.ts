import { ContainerModule } from 'inversify';
import { VoiceService, type PluginContext } from '@pinhole/core';
import { VoicePluginOptions } from './options';
import { PayloadVoiceService } from './service';

export { PayloadVoiceService } from './service';
export { VoiceCallSession } from './voice-call';
export { JitterBuffer, JITTER_TUNING, type JitterBufferOptions, type PlayoutSlot, type InsertResult } from './jitter-buffer';
export { ReceiveStats } from './receive-stats';
export { Resampler } from './resampler';
export { VoiceActivityDetector, type VadDecision } from './vad';
export { ComfortNoiseGenerator, encodeNoiseLevel, decodeNoiseLevel } from './comfort-noise';
export { eModel, mosFromR, delayImpairment, effectiveEquipmentImpairment, type EModelInput } from './emodel';
export { levelDbov } from './level';
export { MediaClock, Pacer } from './clock';
export { parseWav, readWav, writeWav, encodeWav, WavWriter } from './wav';
export { encodeVoicePacket, decodeVoicePacket, CN_PAYLOAD_TYPE, MAX_VOICE_PACKET, type VoicePacket } from './wire';
export { orderCodecs, buildOffer, chooseCodec } from './negotiation';
export { InOrder } from './in-order';
export type { VoicePluginOptions } from './options';

/** VoiceService: what `pinhole call --voice` and `pinhole peer --voice/--inbox` use. */
export function containerModule(ctx: PluginContext<VoicePluginOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind(VoicePluginOptions).toConstantValue(ctx.options);
    bind(VoiceService).to(PayloadVoiceService).inSingletonScope();
  });
}
