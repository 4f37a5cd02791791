import { parseArgs } from 'util';
import {
  ManagerServerFactory,
  PeerClientFactory,
  type CommandIO,
  type EstablishedCall,
  type PluginContext,
} from '@pinhole/core';
import { labDemo } from './lab-demo';
import { measureRtt, readyFields } from './measure';

/**
 * `pinhole demo` (npm start): an embedded manager and two peers on loopback walk through the
 * spec's whole flow, printing each step as it happens.
 */
export function demoCommand(context: PluginContext) {
  return async (argv: string[], io: CommandIO): Promise<number> => {
    const { values } = parseArgs({
      args: argv,
      options: {
        optimistic: { type: 'boolean', default: false },
        lab: { type: 'boolean', default: false },
        a: { type: 'string', default: 'filter' },
        b: { type: 'string', default: 'nat' },
        delay: { type: 'string', default: '0' },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      process.stderr.write('usage: pinhole demo [--optimistic] [--lab [--a KIND] [--b KIND] [--delay MS]] [--json]\n');
      return 0;
    }
    if (values.lab) return labDemo(io, { a: values.a!, b: values.b!, delayMs: Number(values.delay), optimistic: values.optimistic });
    const step = (name: string, text: string, fields: Record<string, unknown> = {}) =>
      io.json ? io.log.event(`demo.${name}`, fields) : process.stdout.write(`${text}\n`);

    await context.activateByEvent('onManager');
    const manager = await context.container.get<ManagerServerFactory>(ManagerServerFactory).start({ host: '127.0.0.1', port: 0, udpHost: '127.0.0.1', udpPort: 0 });
    const m = manager.address();
    const managerAt = `${m.tcp.host}:${m.tcp.port}`;
    step('manager', `manager     listening on tcp ${managerAt} (TCP + WebSocket), STUN on udp ${m.udp.host}:${m.udp.port}`, { tcp: managerAt, udp: `${m.udp.host}:${m.udp.port}` });

    const factory = context.container.get<PeerClientFactory>(PeerClientFactory);
    const alice = await factory.create({ peerId: 'alice', manager: managerAt, udpHost: '127.0.0.1' });
    const bob = await factory.create({ peerId: 'bob', manager: managerAt, udpHost: '127.0.0.1' });
    try {
      const regs = [];
      for (const p of [alice, bob]) {
        const r = await p.start();
        regs.push(r);
        step('registered', `registered  ${r.peerId}: media udp ${r.candidates[0].address}:${r.candidates[0].port}, reflexive ${r.reflexive ? `${r.reflexive.address}:${r.reflexive.port}` : 'unknown'}`, { id: r.peerId, reflexive: r.reflexive });
      }
      const incoming = new Promise<EstablishedCall>((resolve) => bob.onIncomingCall(resolve));
      step('call', 'call        alice -> manager: CallRequest(bob)');
      const call = await alice.call('bob', { optimistic: values.optimistic, signal: io.signal });
      const bobSide = await incoming;
      const t = call.timeline;
      const at = (k: string) => (t[k] !== undefined ? `+${t[k].toFixed(1)} ms` : '');
      step('null', `null packet bob -> alice: ${String(bobSide.window.detail?.nullPackets ?? '?')} null datagram(s), ttl ${String(bobSide.window.detail?.ttl ?? '?')}, window opened in bob's firewall`, { detail: bobSide.window.detail });
      step('windowOpened', `window      bob -> manager: WindowOpened ${at('windowOpened')}`);
      step('ready', `ready       manager -> alice: Ready ${at('ready')}`);
      step('firstDatagram', `datagram    alice <-> bob direct over udp ${at('windowOpen')} (path ${call.window.path}, strategy ${call.window.strategy})`);
      if (io.json) io.log.event('call.ready', readyFields(call, regs[0].reflexive ?? regs[0].candidates[0]));
      const rtt = await measureRtt(call, 5);
      step('rtt', `rtt         median ${rtt.medianMs} ms over 5 PING/PONG on the direct path; setup ${call.setupMs.toFixed(1)} ms`, rtt);
      await alice.hangup(call.callId, 'demo done');
      step('hangup', 'hangup      alice hung up; both sessions closed');
      return 0;
    } finally {
      await alice.close();
      await bob.close();
      await manager.close();
    }
  };
}
