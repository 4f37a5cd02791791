import { parseArgs } from 'util';
import { PeerClientFactory, PinholeError, type CommandIO, type PluginContext } from '@pinhole/core';
import { measureRtt, readyFields } from './measure';

const USAGE = 'usage: pinhole call NAME --id ME --manager HOST:PORT [--udp-port N] [--optimistic] [--pings N] [--timeout MS] [--json]';

/**
 * `pinhole call`: register as ME, call NAME, open the windows, then measure the RTT over the
 * direct path. Exit 0 when the direct path worked, 1 with a clear reason when it did not.
 */
export function callCommand(context: PluginContext) {
  return async (argv: string[], io: CommandIO): Promise<number> => {
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
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help || positionals.length !== 1 || !values.id || !values.manager) {
      process.stderr.write(USAGE + '\n');
      return values.help ? 0 : 2;
    }
    const callee = positionals[0];
    const factory = context.container.get<PeerClientFactory>(PeerClientFactory);
    const client = await factory.create({ peerId: values.id, manager: values.manager, udpPort: Number(values['udp-port']) });
    try {
      const reg = await client.start(); // the client prints peer.registered
      const call = await client.call(callee, { timeoutMs: Number(values.timeout), signal: io.signal, optimistic: values.optimistic });
      const local = reg.reflexive ?? reg.candidates[0];
      io.log.event('call.ready', readyFields(call, local));
      const rtt = await measureRtt(call, Number(values.pings));
      io.log.event('call.rtt', { ...rtt, datagramsSent: call.session.stats.sent, datagramsReceived: call.session.stats.received });
      await client.hangup(call.callId, 'done');
      io.log.event('call.ended', { callId: call.callId });
      return 0;
    } catch (err) {
      const e = err as PinholeError;
      io.log.event('call.failed', { code: e.code ?? 'E_INTERNAL', message: e.message });
      return 1;
    } finally {
      await client.close();
    }
  };
}
