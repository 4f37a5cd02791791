import * as path from 'path';
import { FileTransfer, VideoService, VoiceService, type CommandIO, type PeerClient, type PinholeError, type ServiceLoader, type VoiceCall } from '@pinhole/core';

export interface AnswerOptions {
  /** Accept files into this folder (payload-file) and record voice there (payload-voice). */
  inbox?: string;
  overwrite?: boolean;
  /** WAV to say back on every voice call. */
  voice?: string;
  /** Y4M to send back on every video call. */
  video?: string;
}

/** The payload types a peer with these options registers (so a caller gets E_PAYLOAD_UNSUPPORTED early). */
export function offeredPayloadTypes(o: AnswerOptions): string[] {
  return [...(o.inbox ? ['file'] : []), ...(o.inbox || o.voice ? ['voice'] : []), ...(o.inbox || o.video ? ['video'] : [])];
}

/**
 * What `pinhole peer` does on each established incoming call: receive files into the inbox, and
 * answer voice and video (recorded into the inbox as <peer>-<call>.wav / .y4m). The payload
 * plugins are reached only through their core service identifiers and activated on demand; a
 * missing one is a clear error at start, not at the first call.
 */
export async function answerWithPayloads(loader: ServiceLoader, client: PeerClient, o: AnswerOptions, io: CommandIO): Promise<void> {
  const files = o.inbox ? await loader.load<FileTransfer>(FileTransfer, 'onPayload:file', '--inbox needs the payload-file plugin') : undefined;
  let voice: VoiceService | undefined;
  if (o.voice) voice = await loader.load<VoiceService>(VoiceService, 'onPayload:voice', '--voice needs the payload-voice plugin and a codec plugin');
  else if (o.inbox) voice = await loader.load<VoiceService>(VoiceService, 'onPayload:voice').catch(() => undefined);
  let video: VideoService | undefined;
  if (o.video) video = await loader.load<VideoService>(VideoService, 'onPayload:video', '--video needs the payload-video plugin and a video codec plugin');
  else if (o.inbox) video = await loader.load<VideoService>(VideoService, 'onPayload:video').catch(() => undefined);

  client.onIncomingCall((call) => {
    if (files && o.inbox) files.receiveFiles(call, o.inbox, { log: io.log, json: io.json, overwrite: o.overwrite, signal: io.signal });
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
