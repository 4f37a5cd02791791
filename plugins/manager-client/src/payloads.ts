import * as path from 'path';
import { FileTransfer, PluginError, VideoService, VoiceService, type CommandIO, type PeerClient, type PinholeError, type PluginContext, type VoiceCall } from '@pinhole/core';

export interface AnswerOptions {
  /** Accept files into this folder (payload-file) and record voice there (payload-voice). */
  inbox?: string;
  overwrite?: boolean;
  /** WAV to say back on every voice call. */
  voice?: string;
  /** Y4M to send back on every video call. */
  video?: string;
}

/**
 * What `pinhole peer` does on each established incoming call: receive files into the inbox, and
 * answer voice and video (recorded into the inbox as <peer>-<call>.wav / .y4m). The payload plugins are reached only through their core service identifiers and
 * activated on demand; a missing one is a clear error at start, not at the first call.
 */
/** The payload types a peer with these options registers (so a caller gets E_PAYLOAD_UNSUPPORTED early). */
export function offeredPayloadTypes(o: AnswerOptions): string[] {
  return [...(o.inbox ? ['file'] : []), ...(o.inbox || o.voice ? ['voice'] : []), ...(o.inbox || o.video ? ['video'] : [])];
}

export async function answerWithPayloads(context: PluginContext, client: PeerClient, o: AnswerOptions, io: CommandIO): Promise<void> {
  const need = async (event: string, id: symbol, what: string) => {
    await context.activateByEvent(event);
    if (!context.container.isBound(id)) throw new PluginError('E_PAYLOAD_MISSING', `${what}; install or enable it in pinhole.config.json`);
  };
  if (o.inbox) await need('onPayload:file', FileTransfer, '--inbox needs the payload-file plugin');
  const voiceWanted = !!(o.voice || o.inbox);
  if (o.voice) await need('onPayload:voice', VoiceService, '--voice needs the payload-voice plugin and a codec plugin');
  else if (o.inbox) await context.activateByEvent('onPayload:voice').catch(() => undefined);
  const voice = voiceWanted && context.container.isBound(VoiceService) ? context.container.get<VoiceService>(VoiceService) : undefined;
  const videoWanted = !!(o.video || o.inbox);
  if (o.video) await need('onPayload:video', VideoService, '--video needs the payload-video plugin and a video codec plugin');
  else if (o.inbox) await context.activateByEvent('onPayload:video').catch(() => undefined);
  const video = videoWanted && context.container.isBound(VideoService) ? context.container.get<VideoService>(VideoService) : undefined;

  client.onIncomingCall((call) => {
    if (o.inbox) context.container.get<FileTransfer>(FileTransfer).receiveFiles(call, o.inbox, { log: io.log, json: io.json, overwrite: o.overwrite, signal: io.signal });
    let voiceCall: VoiceCall | undefined;
    const base = o.inbox ? path.join(o.inbox, `${call.remotePeerId}-${call.callId}`) : undefined;
    if (video && call.payloadTypes.includes('video')) {
      const record = base && `${base}.y4m`;
      video
        .start(call, { input: o.video, record, log: io.log, audio: { stats: () => voiceCall?.stats() } })
        .then((v) => {
          io.log.event('video.started', { callId: call.callId, codec: v.codec, record });
          call.session.onClose(() => void v.stop().then((s) => io.log.event('video.stats', { ...s, record })));
        })
        .catch((err: PinholeError) => {
          if (err.code === 'E_VIDEO_NEGOTIATION_TIMEOUT' || err.code === 'E_VIDEO_SESSION_CLOSED') io.log.debug('caller did not start video', { callId: call.callId });
          else io.log.event('video.failed', { callId: call.callId, code: err.code, message: err.message });
        });
    }
    if (!voice) return;
    if (!call.payloadTypes.includes('voice')) return;
    const record = base && `${base}.wav`;
    // Negotiation waits for the caller's hello; a caller that only sends files never says it.
    voice
      .start(call, { input: o.voice, record, log: io.log })
      .then((v) => {
        voiceCall = v;
        io.log.event('voice.started', { callId: call.callId, codec: v.codec, record });
        call.session.onClose(() => void v.stop().then((s) => io.log.event('voice.stats', { ...s, record })));
      })
      .catch((err: PinholeError) => {
        if (err.code === 'E_VOICE_NEGOTIATION_TIMEOUT' || err.code === 'E_VOICE_SESSION_CLOSED') io.log.debug('caller did not start voice', { callId: call.callId });
        else io.log.event('voice.failed', { callId: call.callId, code: err.code, message: err.message });
      });
  });
}
