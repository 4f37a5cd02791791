import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { parseArgs } from 'util';
import { inject, injectable } from 'inversify';
import {
  createLogger,
  ManagerServerFactory,
  PeerClientFactory,
  ServiceLoader,
  type CallPolicy,
  type CommandContribution,
  type CommandIO,
  type EstablishedCall,
} from '@pinhole/core';
import { labDemo } from './lab-demo';
import { measureRtt, readyFields } from './measure';
import { NotifyTimes } from './notify-times';

/**
 * `pinhole demo` (npm start): an embedded manager and two peers on loopback walk through the
 * spec's whole flow (Figure 6), printing each step with its time since the call started.
 */
@injectable()
export class DemoCommand implements CommandContribution {
  readonly command = 'demo';

  constructor(
    @inject(PeerClientFactory) private readonly clients: PeerClientFactory,
    @inject(ServiceLoader) private readonly loader: ServiceLoader,
    @inject(NotifyTimes) private readonly times: NotifyTimes,
  ) {}

  async run(argv: string[], io: CommandIO): Promise<number> {
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
      process.stdout.write('usage: pinhole demo [--optimistic] [--lab [--a KIND] [--b KIND] [--delay MS]] [--json]\n');
      return 0;
    }
    if (values.lab) return labDemo(io, { a: values.a!, b: values.b!, delayMs: Number(values.delay), optimistic: values.optimistic });

    const step = (name: string, text: string, fields: Record<string, unknown> = {}) =>
      io.json ? io.log.event(`demo.${name}`, fields) : process.stdout.write(`${text}\n`);
    const managers = await this.loader.load<ManagerServerFactory>(ManagerServerFactory, 'onManager', 'the demo needs the manager-server plugin');
    const manager = await managers.start({ host: '127.0.0.1', port: 0, udpHost: '127.0.0.1', udpPort: 0 });
    const m = manager.address();
    const managerAt = `${m.tcp.host}:${m.tcp.port}`;
    step('manager', `manager      listening on tcp ${managerAt} (TLS: TCP + WebSocket), STUN on udp ${m.udp.host}:${m.udp.port}; certificate ${m.tls?.pin}`, { tcp: managerAt, udp: `${m.udp.host}:${m.udp.port}`, pin: m.tls?.pin });

    // The demo narrates; the clients' own events would repeat it (kept in --json mode).
    const clientLog = io.json ? io.log : createLogger({ events: false, level: 'warn' });
    // Demo peers get their own throw-away keys and pins, never the user's.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-demo-'));
    const peer = (id: string, policy: CallPolicy) =>
      this.clients.create({ peerId: id, manager: managerAt, managerFingerprint: m.tls?.pin, udpHost: '127.0.0.1', log: clientLog, identity: path.join(home, `${id}.pem`), knownPeers: path.join(home, `${id}.known_peers`), policy });
    const alice = await peer('alice', { mode: 'none', allow: [], optimistic: false });
    const bob = await peer('bob', { mode: 'any', allow: [], optimistic: values.optimistic });
    this.times.reset();
    try {
      const regs = [];
      for (const p of [alice, bob]) {
        const r = await p.start();
        regs.push(r);
        step('registered', `registered   ${r.peerId}: media udp ${r.candidates[0].address}:${r.candidates[0].port}, reflexive (STUN) ${r.reflexive ? `${r.reflexive.address}:${r.reflexive.port}` : 'unknown'}`, { id: r.peerId, reflexive: r.reflexive });
      }
      // Each side's timeline counts from when its call began: now − setupMs, read as the call is
      // handed over (no clock read before the call, which a busy machine may delay from its start).
      const incoming = new Promise<{ call: EstablishedCall; began: number }>((resolve) => bob.onIncomingCall((call) => resolve({ call, began: performance.now() - call.setupMs })));
      const call = await alice.call('bob', { optimistic: values.optimistic, signal: io.signal });
      const t0 = performance.now() - call.setupMs;
      const { call: bobSide, began } = await incoming;
      // Bob's timeline starts when OpenWindow reached him; put it on alice's.
      const onBob = (k: string) => began - t0 + (bobSide.timeline[k] ?? 0);
      const ms = (x: number) => `+${x.toFixed(1).padStart(5)} ms`;
      const d = bobSide.window.detail ?? {};
      const rows: Array<[number, string, string]> = [
        [0, 'call', `alice -> manager  CallRequest(bob)${values.optimistic ? ' [optimistic]' : ''}`],
        [onBob('openWindow'), 'openWindow', `manager -> bob    OpenWindow: send the null packet to alice's candidates`],
        [onBob('windowOpen'), 'nullPacket', `bob -> alice      null datagram (0-byte payload, ttl ${String(d.ttl ?? '?')}) to ${String(d.nullPackets ?? '?')} candidate(s), ${Math.max(0, Number(d.repeats ?? 1) - 1)} repeats to follow: window opened in bob's firewall`],
        [onBob('windowOpened'), 'windowOpened', 'bob -> manager    WindowOpened'],
        [(this.times.at('ready') ?? t0) - t0, 'ready', `manager -> alice  Ready${values.optimistic ? ' (sent at once: optimistic)' : ''}`],
        [call.timeline.windowOpen ?? call.setupMs, 'firstDatagram', `alice <-> bob     ${call.security ? `Noise ${call.security.pattern} handshake in the probe and its answer: bob is ${call.security.remoteFingerprint}, session encrypted` : 'first datagram answered'} on the direct path (${call.window.strategy}, ${call.window.path})`],
      ];
      for (const [t, name, text] of rows.sort((x, y) => x[0] - y[0])) step(name, `${ms(t)}  ${text}`, { ms: Math.round(t * 100) / 100 });
      if (io.json) io.log.event('call.ready', readyFields(call, regs[0].reflexive ?? regs[0].candidates[0]));
      const rtt = await measureRtt(call, 5);
      step('rtt', `rtt          median ${rtt.medianMs} ms over 5 PING/PONG on the direct path; setup ${call.setupMs.toFixed(1)} ms`, rtt);
      await alice.hangup(call.callId, 'demo done');
      step('hangup', 'hangup       alice hung up; both sessions closed');
      return 0;
    } finally {
      await alice.close();
      await bob.close();
      await manager.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  }
}
