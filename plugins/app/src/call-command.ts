import { inject, injectable } from 'inversify';
import {
  printHelp,
  defineCommand,
  FileTransfer,
  intFlag,
  parseCommand,
  PeerClientFactory,
  portFlag,
  securityOptions,
  CLIENT_FLAGS,
  ServiceLoader,
  type CommandContribution,
  type CommandIO,
  type EstablishedCall,
} from '@pinhole/core';
import { callFailed } from './failed';
import { checkCallFiles } from './local-files';
import { measureRtt, readyFields } from './measure';
import { runMedia } from './media';

/** Flags of the commands that register as ME and call NAME (call, ping). */
export const CALLER_FLAGS = {
  id: { type: 'string', arg: 'ME', required: true, description: 'the name to register as while calling (bound to this peer\'s key)' },
  ...CLIENT_FLAGS,
  optimistic: { type: 'boolean', default: false, description: 'ask for the callee\'s addresses before it confirms, saving a round trip (if the callee allows it)' },
  timeout: { type: 'string', arg: 'MS', default: '10000', description: 'give up if the direct path is not up within MS' },
} as const;

export const CALL_SPEC = defineCommand({
  name: 'call',
  positionals: 'NAME',
  summary:
    'Registers as ME, calls NAME through the manager, opens the windows (the Noise handshake rides the probes), prints call.ready (setupMs, path, addresses, encrypted, the callee\'s fingerprint) and the RTT over the direct path, then sends files with a progress bar and streams voice and video both ways (voice.stats: loss, jitter, MOS; video.stats). Local files are checked before calling; a callee that cannot take what is asked (no --inbox, no usable voice, no such codec) refuses at once with its reason.',
  options: {
    ...CALLER_FLAGS,
    pings: { type: 'string', arg: 'N', default: '5', description: 'PING/PONG round trips measured on the direct path (0: none)' },
    send: { type: 'string', multiple: true, arg: 'FILE', default: [], description: 'send FILE to the callee\'s inbox (repeatable; verified, resumable)' },
    voice: { type: 'string', arg: 'IN.wav', description: 'say IN.wav (16-bit PCM, mono) and hear the callee' },
    codec: { type: 'string', arg: 'NAME', defaultText: 'the first codec both sides have (opus, then pcmu, pcma)', description: 'with --voice or --record OUT.wav: use exactly this codec (opus, pcmu, pcma); refused if the callee lacks it' },
    video: { type: 'string', arg: 'IN.y4m', description: 'send IN.y4m (4:2:0 Y4M) and receive the callee\'s video' },
    'video-codec': { type: 'string', arg: 'NAME', defaultText: 'the first video codec both sides have (vp8, then mjpeg)', description: 'with --video or --record OUT.y4m: use exactly this video codec (vp8, mjpeg)' },
    record: { type: 'string', multiple: true, arg: 'OUT.wav|OUT.y4m', default: [], description: 'record the callee\'s voice (OUT.wav) or video (OUT.y4m): a new file, not an input (repeatable: one of each)' },
  },
  notes: ['Exit codes: 0 the call worked (and every file arrived verified), 1 it did not (call.failed says why), 2 a usage error, 130 Ctrl-C.'],
});

/** Sends files over the call's direct path (payload-file, activated on demand); true when every file arrived verified. */
async function sendFiles(loader: ServiceLoader, call: EstablishedCall, files: string[], io: CommandIO): Promise<boolean> {
  const transfer = await loader.load<FileTransfer>(FileTransfer, 'onPayload:file', 'sending files needs the payload-file plugin');
  const outcomes = await transfer.sendFiles(call, files, { log: io.log, json: io.json, signal: io.signal });
  return outcomes.every((o) => o.ok);
}

/**
 * `pinhole call`: register as ME, call NAME, open the windows, then measure the RTT over the
 * direct path and send each --send FILE over it. Exit 0 when the direct path worked (and every
 * file arrived verified), 1 with a clear reason when it did not.
 */
@injectable()
export class CallCommand implements CommandContribution {
  readonly command = 'call';

  constructor(
    @inject(PeerClientFactory) private readonly clients: PeerClientFactory,
    @inject(ServiceLoader) private readonly loader: ServiceLoader,
  ) {}

  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values, positionals, help } = parseCommand(CALL_SPEC, argv);
    if (help) return printHelp(CALL_SPEC);
    const pings = intFlag('call', 'pings', values.pings, { min: 0, max: 10000 })!;
    const timeoutMs = intFlag('call', 'timeout', values.timeout, { min: 1 })!;
    const udpPort = portFlag('call', 'udp-port', values['udp-port']);
    // Everything local is checked before we register and call: a typo costs nothing on the network.
    // --record OUT.y4m records the peer's video, any other name its voice (WAV).
    const videoRecord = values.record.find((f) => /\.y4m$/i.test(f));
    const voiceRecord = values.record.find((f) => !/\.y4m$/i.test(f));
    await checkCallFiles(this.loader, { send: values.send, voice: values.voice, record: voiceRecord, codec: values.codec, video: values.video, videoRecord, videoCodec: values['video-codec'] });
    const wantVoice = !!(values.voice || voiceRecord);
    const wantVideo = !!(values.video || videoRecord);
    const callee = positionals[0];
    const client = await this.clients.create({ peerId: values.id!, manager: values.manager, udpPort, udpHost: values['udp-host'], ...securityOptions(values), log: io.log });
    try {
      const reg = await client.start(); // the client prints peer.registered
      const call = await client.call(callee, {
        timeoutMs,
        signal: io.signal,
        optimistic: values.optimistic,
        // Asked for by what this call will carry, so a callee that cannot take it refuses at once.
        payloadTypes: [...(values.send.length ? ['file'] : []), ...(wantVoice ? ['voice'] : []), ...(wantVideo ? ['video'] : [])],
      });
      const local = reg.reflexive ?? reg.candidates[0];
      io.log.event('call.ready', readyFields(call, local));
      const rtt = await measureRtt(call, pings);
      io.log.event('call.rtt', { ...rtt, datagramsSent: call.session.stats.sent, datagramsReceived: call.session.stats.received });
      const filesOk = values.send.length === 0 || (await sendFiles(this.loader, call, values.send, io));
      if (wantVoice || wantVideo)
        await runMedia(
          this.loader,
          call,
          {
            ...(wantVoice ? { voice: { input: values.voice, record: voiceRecord, codec: values.codec } } : {}),
            ...(wantVideo ? { video: { input: values.video, record: videoRecord, codec: values['video-codec'] } } : {}),
          },
          io,
        );
      await client.hangup(call.callId, 'done');
      io.log.event('call.ended', { callId: call.callId });
      return filesOk ? 0 : 1;
    } catch (err) {
      callFailed(io, err);
      return 1;
    } finally {
      await client.close();
    }
  }
}
