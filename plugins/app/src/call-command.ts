import { parseArgs } from 'util';
import { inject, injectable } from 'inversify';
import {
  FileTransfer,
  PeerClientFactory,
  securityOptions,
  SECURITY_FLAGS,
  ServiceLoader,
  type CommandContribution,
  type CommandIO,
  type EstablishedCall,
  type PinholeError,
} from '@pinhole/core';
import { measureRtt, readyFields } from './measure';
import { runVoice } from './voice';

const USAGE =
  'usage: pinhole call NAME --id ME [--manager HOST:PORT[,…]] [--identity FILE] [--known-peers FILE] [--ca FILE] [--manager-fingerprint sha256:…] [--insecure] ' +
  '[--udp-port N] [--optimistic] [--pings N] [--timeout MS] [--send FILE]… [--voice IN.wav [--codec opus|pcmu|pcma] [--record OUT.wav]] [--json]';

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
        record: { type: 'string' },
        ...SECURITY_FLAGS,
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help || positionals.length !== 1 || !values.id) {
      process.stderr.write(USAGE + '\n');
      return values.help ? 0 : 2;
    }
    const callee = positionals[0];
    const client = await this.clients.create({ peerId: values.id, manager: values.manager, udpPort: Number(values['udp-port']), ...securityOptions(values), log: io.log });
    try {
      const reg = await client.start(); // the client prints peer.registered
      const call = await client.call(callee, {
        timeoutMs: Number(values.timeout),
        signal: io.signal,
        optimistic: values.optimistic,
        // Asked for by what this call will carry, so a callee that cannot take it refuses early.
        payloadTypes: [...(values.send.length ? ['file'] : []), ...(values.voice || values.record ? ['voice'] : [])],
      });
      const local = reg.reflexive ?? reg.candidates[0];
      io.log.event('call.ready', readyFields(call, local));
      const rtt = await measureRtt(call, Number(values.pings));
      io.log.event('call.rtt', { ...rtt, datagramsSent: call.session.stats.sent, datagramsReceived: call.session.stats.received });
      const filesOk = values.send.length === 0 || (await sendFiles(this.loader, call, values.send, io));
      if (values.voice || values.record) await runVoice(this.loader, call, { input: values.voice, record: values.record, codec: values.codec }, io);
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
