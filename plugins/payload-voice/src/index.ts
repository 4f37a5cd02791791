import { VoiceService, type PluginContext } from '@pinhole/core';
import { DEFAULT_VOICE_OPTIONS, type VoicePluginOptions } from './options';
import { PayloadVoiceService } from './service';

export { PayloadVoiceService } from './service';
export { VoiceCallSession } from './voice-call';
export { JitterBuffer, DEFAULT_JITTER_BUFFER, type JitterBufferOptions, type PlayoutSlot, type InsertResult } from './jitter-buffer';
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
export type { VoicePluginOptions } from './options';

/** Binds VoiceService: what `pinhole call --voice` and `pinhole peer --voice/--inbox` use. */
export function activate(context: PluginContext): void {
  const options: VoicePluginOptions = { ...DEFAULT_VOICE_OPTIONS, ...(context.options as Partial<VoicePluginOptions>) };
  const service = new PayloadVoiceService(context, options, context.log);
  context.container.bind<VoiceService>(VoiceService).toConstantValue(service);
  context.subscriptions.push({ dispose: () => context.container.unbind(VoiceService) });
}
