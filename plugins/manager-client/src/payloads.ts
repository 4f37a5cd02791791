import * as path from 'path';
import { FileTransfer, VoiceService, type CommandIO, type PeerClient, type PinholeError, type ServiceLoader } from '@pinhole/core';

export interface AnswerOptions {
  /** Accept files into this folder (payload-file) and record voice there (payload-voice). */
  inbox?: string;
  overwrite?: boolean;
  /** WAV to say back on every voice call. */
  voice?: string;
}

/** What a peer registers: the payload types it takes, and for the others why not (meta `why-not.<type>`). */
export interface Offered {
  payloadTypes: string[];
  meta: Record<string, string>;
  /** The --voice reply, if it is usable (a bad one is reported at start and not offered). */
  voice?: string;
}

/**
 * The payload types a peer with these options registers, checked now: a caller asking for
 * something else is refused by the manager at once, with the reason published here, instead of
 * waiting for a transfer or a codec offer that never comes.
 */
export async function offeredPayloads(loader: ServiceLoader, o: AnswerOptions, io: Pick<CommandIO, 'log'>): Promise<Offered> {
  const meta: Record<string, string> = {};
  let voice = o.voice;
  if (voice) {
    const service = await loader.load<VoiceService>(VoiceService, 'onPayload:voice', '--voice needs the payload-voice plugin and a codec plugin');
    try {
      await service.check(voice);
    } catch (err) {
      const e = err as PinholeError;
      io.log.warn(`--voice ${voice} is unusable, so this peer takes no voice calls: ${e.message}`, { code: e.code });
      meta['why-not.voice'] = `its --voice reply is unusable (${e.code}: ${e.message})`.slice(0, 256);
      voice = undefined;
    }
  }
  if (!o.inbox) meta['why-not.file'] = 'it was started without --inbox DIR, so it accepts no files';
  if (!o.inbox && !voice && !meta['why-not.voice']) meta['why-not.voice'] = 'it was started without --voice REPLY.wav or --inbox DIR, so it takes no voice calls';
  // Voice: said with a usable reply, or recorded into the inbox unless the reply given is broken.
  const takesVoice = !!voice || (!!o.inbox && !meta['why-not.voice']);
  const payloadTypes = [...(o.inbox ? ['file'] : []), ...(takesVoice ? ['voice'] : [])];
  return { payloadTypes, meta, voice };
}

/**
 * What `pinhole peer` does on each established incoming call: receive files into the inbox and
 * answer voice. The payload plugins are reached only through their core service identifiers and
 * activated on demand; a missing one is a clear error at start, not at the first call.
 */
export async function answerWithPayloads(loader: ServiceLoader, client: PeerClient, o: AnswerOptions, io: CommandIO): Promise<void> {
  const files = o.inbox ? await loader.load<FileTransfer>(FileTransfer, 'onPayload:file', '--inbox needs the payload-file plugin') : undefined;
  let voice: VoiceService | undefined;
  if (o.voice) voice = await loader.load<VoiceService>(VoiceService, 'onPayload:voice', '--voice needs the payload-voice plugin and a codec plugin');
  else if (o.inbox) voice = await loader.load<VoiceService>(VoiceService, 'onPayload:voice').catch(() => undefined);

  client.onIncomingCall((call) => {
    if (files && o.inbox) files.receiveFiles(call, o.inbox, { log: io.log, json: io.json, overwrite: o.overwrite, signal: io.signal });
    if (!voice) return;
    if (!call.payloadTypes.includes('voice')) return;
    const record = o.inbox ? path.join(o.inbox, `${call.remotePeerId}-${call.callId}.wav`) : undefined;
    // Negotiation waits for the caller's hello; a caller that only sends files never says it.
    voice
      .start(call, { input: o.voice, record, log: io.log })
      .then((v) => {
        io.log.event('voice.started', { callId: call.callId, codec: v.codec, record });
        call.session.onClose(() => void v.stop().then((s) => io.log.event('voice.stats', { ...s, record })));
      })
      .catch((err: PinholeError) => {
        if (err.code === 'E_VOICE_NEGOTIATION_TIMEOUT' || err.code === 'E_VOICE_SESSION_CLOSED') io.log.debug('caller did not start voice', { callId: call.callId });
        else io.log.event('voice.failed', { callId: call.callId, code: err.code, message: err.message });
      });
  });
}
