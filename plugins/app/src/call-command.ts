import * as fs from 'fs';
import { parseArgs } from 'util';
import { inject, injectable } from 'inversify';
import {
  FileTransfer,
  parseY4mHeader,
  PeerClientFactory,
  securityOptions,
  SECURITY_FLAGS,
  ServiceLoader,
  VideoError,
  Y4M_MAX_LINE,
  type CommandContribution,
  type CommandIO,
  type EstablishedCall,
  type PinholeError,
} from '@pinhole/core';
import { measureRtt, readyFields } from './measure';
import { runMedia } from './media';

const USAGE =
  'usage: pinhole call NAME --id ME [--manager HOST:PORT[,…]] [--identity FILE] [--known-peers FILE] [--ca FILE] [--manager-fingerprint sha256:…] [--insecure] ' +
  '[--udp-port N] [--optimistic] [--pings N] [--timeout MS] [--send FILE]… [--voice IN.wav [--codec opus|pcmu|pcma]] [--video IN.y4m [--video-codec vp8|mjpeg]] [--record OUT.wav|OUT.y4m]… [--json]';

/** Sends files over the call's direct path (payload-file, activated on demand); true when every file arrived verified. */
async function sendFiles(loader: ServiceLoader, call: EstablishedCall, files: string[], io: CommandIO): Promise<boolean> {
  const transfer = await loader.load<FileTransfer>(FileTransfer, 'onPayload:file', 'sending files needs the payload-file plugin');
  const outcomes = await transfer.sendFiles(call, files, { log: io.log, json: io.json, signal: io.signal });
  return outcomes.every((o) => o.ok);
}

/** Reads the header line of a Y4M file (core's parser says what is wrong with it). */
function checkY4m(file: string): void {
  let head: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    head = Buffer.alloc(Y4M_MAX_LINE);
    head = head.subarray(0, fs.readSync(fd, head, 0, head.length, 0));
    fs.closeSync(fd);
  } catch (err) {
    throw new VideoError('E_Y4M_IO', `--video ${file}: ${(err as Error).message}`);
  }
  parseY4mHeader(head.toString('latin1').split('\n')[0], file);
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
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        id: { type: 'string' },
        manager: { type: 'string' },
        'udp-port': { type: 'string', default: '0' },
        optimistic: { type: 'boolean', default: false },
        pings: { type: 'string', default: '5' },
        timeout: { type: 'string', default: '10000' },
        send: { type: 'string', multiple: true, default: [] },
        voice: { type: 'string' },
        codec: { type: 'string' },
        record: { type: 'string', multiple: true, default: [] },
        video: { type: 'string' },
        'video-codec': { type: 'string' },
        ...SECURITY_FLAGS,
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help || positionals.length !== 1 || !values.id) {
      process.stderr.write(USAGE + '\n');
      return values.help ? 0 : 2;
    }
    const callee = positionals[0];
    // --record OUT.y4m records the peer's video, any other name its voice (WAV).
    const videoRecord = values.record.find((f) => /\.y4m$/i.test(f));
    const voiceRecord = values.record.find((f) => !/\.y4m$/i.test(f));
    const wantVoice = !!(values.voice || voiceRecord);
    const wantVideo = !!(values.video || videoRecord);
    try {
      // A bad Y4M is refused before anyone is called.
      if (values.video) checkY4m(values.video);
    } catch (err) {
      const e = err as PinholeError;
      io.log.event('call.failed', { code: e.code ?? 'E_INTERNAL', message: e.message });
      return 1;
    }
    const client = await this.clients.create({ peerId: values.id, manager: values.manager, udpPort: Number(values['udp-port']), ...securityOptions(values), log: io.log });
    try {
      const reg = await client.start(); // the client prints peer.registered
      const call = await client.call(callee, {
        timeoutMs: Number(values.timeout),
        signal: io.signal,
        optimistic: values.optimistic,
        // Asked for by what this call will carry, so a callee that cannot take it refuses early.
        payloadTypes: [...(values.send.length ? ['file'] : []), ...(wantVoice ? ['voice'] : []), ...(wantVideo ? ['video'] : [])],
      });
      const local = reg.reflexive ?? reg.candidates[0];
      io.log.event('call.ready', readyFields(call, local));
      const rtt = await measureRtt(call, Number(values.pings));
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
      const e = err as PinholeError;
      io.log.event('call.failed', { code: e.code ?? 'E_INTERNAL', message: e.message });
      return 1;
    } finally {
      await client.close();
    }
  }
}
