import { VoiceService, type CommandIO, type ServiceLoader, type VoiceCall, type VoiceTarget } from '@pinhole/core';

export interface VoiceCommandOptions {
  /** WAV to say (PCM 16-bit mono); none = listen only. */
  input?: string;
  /** WAV to record the peer into. */
  record?: string;
  codec?: string;
}

/** Starts voice over an established call (payload-voice, activated on demand). */
export async function startVoice(loader: ServiceLoader, call: VoiceTarget, opts: VoiceCommandOptions, io: CommandIO): Promise<VoiceCall> {
  const service = await loader.load<VoiceService>(VoiceService, 'onPayload:voice', 'voice needs the payload-voice plugin (and a codec plugin)');
  const voice = await service.start(call, { ...opts, log: io.log });
  io.log.event('voice.started', { callId: call.callId, codec: voice.codec, input: opts.input, record: opts.record });
  return voice;
}
