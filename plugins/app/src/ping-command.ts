import { inject, injectable } from 'inversify';
import {
  printHelp,
  defineCommand,
  formatAddress,
  intFlag,
  parseCommand,
  PeerClientFactory,
  portFlag,
  securityOptions,
  SignalError,
  type CommandContribution,
  type CommandIO,
  type PinholeError,
} from '@pinhole/core';
import { CALLER_FLAGS } from './call-command';
import { callFailed } from './failed';
import { round } from './stats';

export const PING_SPEC = defineCommand({
  name: 'ping',
  positionals: 'NAME',
  summary:
    'Calls NAME (registering as ME) and measures the round trip over the direct path again and again, as tailscale ping does: one line per pong with the address it came from and the path (direct or relay, and the strategy that found it), then loss and min/avg/max. The callee must allow ME.',
  options: {
    ...CALLER_FLAGS,
    count: { type: 'string', arg: 'N', default: '5', description: 'pings to send (1–100000)' },
    interval: { type: 'string', arg: 'MS', default: '1000', description: 'time between pings' },
    wait: { type: 'string', arg: 'MS', default: '1000', description: 'how long each ping waits for its pong before it counts as lost' },
  },
  notes: ['Exit codes: 0 at least one pong, 1 none (or the call failed: call.failed says why), 2 a usage error, 130 Ctrl-C.'],
});

/** `pinhole ping NAME`: repeated RTT over the direct path, showing the path. */
@injectable()
export class PingCommand implements CommandContribution {
  readonly command = 'ping';

  constructor(@inject(PeerClientFactory) private readonly clients: PeerClientFactory) {}

  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values, positionals, help } = parseCommand(PING_SPEC, argv);
    if (help) return printHelp(PING_SPEC);
    const count = intFlag('ping', 'count', values.count, { min: 1, max: 100000 })!;
    const intervalMs = intFlag('ping', 'interval', values.interval, { min: 0, max: 3600000 })!;
    const waitMs = intFlag('ping', 'wait', values.wait, { min: 1, max: 60000 })!;
    const timeoutMs = intFlag('ping', 'timeout', values.timeout, { min: 1 })!;
    const udpPort = portFlag('ping', 'udp-port', values['udp-port']);
    const name = positionals[0];
    const say = (line: string) => io.json || process.stdout.write(line + '\n');
    const client = await this.clients.create({ peerId: values.id!, manager: values.manager!, udpPort, udpHost: values['udp-host'], ...securityOptions(values), log: io.log });
    try {
      await client.start();
      const call = await client.call(name, { timeoutMs, signal: io.signal, optimistic: values.optimistic });
      const via = `${call.window.path} (${call.window.strategy})`;
      const remote = formatAddress(call.session.params.remote);
      io.log.event('ping.path', { peer: name, path: call.window.path, strategy: call.window.strategy, remote, setupMs: round(call.setupMs), encrypted: !!call.security, remoteFingerprint: call.security?.remoteFingerprint });
      say(`call to ${name} up in ${call.setupMs.toFixed(1)} ms: ${via} to ${remote}${call.security ? `, encrypted, ${name} is ${call.security.remoteFingerprint}` : ', NOT encrypted (--insecure)'}`);
      const rtts: number[] = [];
      for (let seq = 1; seq <= count && !io.signal.aborted; seq++) {
        try {
          const ms = round(await call.session.ping(waitMs), 3);
          rtts.push(ms);
          io.log.event('ping.pong', { seq, ms, peer: name, remote, path: call.window.path, strategy: call.window.strategy });
          say(`pong from ${name} (${remote}) via ${via} in ${ms} ms`);
        } catch (err) {
          if ((err as PinholeError).code !== 'E_PING_TIMEOUT') throw err;
          io.log.event('ping.timeout', { seq, peer: name, waitMs });
          say(`no pong from ${name} within ${waitMs} ms (seq ${seq})`);
        }
        if (seq < count) await sleep(intervalMs, io.signal);
      }
      const sent = rtts.length + (count - rtts.length);
      const summary = {
        peer: name,
        sent,
        received: rtts.length,
        lossPercent: round((100 * (sent - rtts.length)) / sent, 1),
        minMs: rtts.length ? Math.min(...rtts) : null,
        avgMs: rtts.length ? round(rtts.reduce((a, b) => a + b, 0) / rtts.length, 3) : null,
        maxMs: rtts.length ? Math.max(...rtts) : null,
        path: call.window.path,
        strategy: call.window.strategy,
      };
      io.log.event('ping.summary', summary);
      say(`--- ${name}: ${summary.sent} sent, ${summary.received} received, ${summary.lossPercent}% loss${rtts.length ? `, rtt min/avg/max ${summary.minMs}/${summary.avgMs}/${summary.maxMs} ms` : ''}`);
      await client.hangup(call.callId, 'ping done');
      if (rtts.length === 0) throw new SignalError('E_PING_LOST', `no pong from ${name} over the direct path (${via}); the path opened but carries nothing back`);
      return 0;
    } catch (err) {
      callFailed(io, err);
      return 1;
    } finally {
      await client.close();
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
