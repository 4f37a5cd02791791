import { PluginError, VoiceService, type CommandIO, type PluginContext, type VoiceCall, type VoiceTarget } from '@pinhole/core';

export interface VoiceCommandOptions {
  /** WAV to say (PCM 16-bit mono); none = listen only. */
  input?: string;
  /** WAV to record the peer into. */
  record?: string;
  codec?: string;
}

/** Starts voice over an established call (payload-voice, activated on demand). */
export async function startVoice(context: PluginContext, call: VoiceTarget, opts: VoiceCommandOptions, io: CommandIO): Promise<VoiceCall> {
  await context.activateByEvent('onPayload:voice');
  if (!context.container.isBound(VoiceService))
    throw new PluginError('E_PAYLOAD_MISSING', 'voice needs the payload-voice plugin (and a codec plugin); install it or enable it in pinhole.config.json');
  const voice = await context.container.get<VoiceService>(VoiceService).start(call, { ...opts, log: io.log });
  io.log.event('voice.started', { callId: call.callId, codec: voice.codec, input: opts.input, record: opts.record });
  return voice;
}
