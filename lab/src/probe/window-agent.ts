/**
 * A peer's side of window opening, run inside a lab namespace and driven over NDJSON, so the
 * punch strategies can be exercised across real NATs without the call flow (WindowAgent drives it):
 *   node window-agent.js --port P --stun HOST:PORT [--config JSON]
 *   ← {"event":"ready","nat":{…},"candidates":[…]}            (after NAT classification)
 *   → {"op":"window","role":"callee","callId":"c1","local":22,"remote":11,"remoteCandidates":[…],"remoteNat":{…}}
 *   ← {"event":"window","callId":"c1","ok":true,"ms":…,"strategy":…,"remote":…,"detail":{…},"rttMs":…}
 * The callee answers this call's PINGs on the socket its strategy hands back (what manager-client's
 * listener does in the real flow); the caller proves the path with a PING/PONG over it.
 */
import 'reflect-metadata';
import { createInterface } from 'readline';
import { parseArgs } from 'util';
import {
  createPingProbe,
  DatagramType,
  decodeDatagram,
  encodeDatagram,
  MediaTransportFactory,
  tapErrorCause,
  type Candidate,
  type DatagramSocket,
  type MediaTransport,
  type NatInfo,
  type OwnedDatagramSocket,
  type PinholeError,
} from '@pinhole/core';
import { Host } from '@pinhole/core/host';

interface WindowCommand {
  op: 'window';
  role: 'caller' | 'callee';
  callId: string;
  local: number;
  remote: number;
  remoteCandidates: Candidate[];
  remoteNat?: NatInfo;
  holdMs?: number;
  /** The openWindow strategies to try, in order (a disabled one yields nothing). */
  strategies?: string[];
}

const DEFAULT_STRATEGIES = ['birthday', 'null-udp'];

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, stun: { type: 'string' }, config: { type: 'string', default: '{}' } } });
const emit = (o: object) => void process.stdout.write(JSON.stringify(o) + '\n');

function answerPings(socket: DatagramSocket, local: number, remote: number) {
  return socket.onDatagram((data, from) => {
    try {
      const d = decodeDatagram(data);
      if (d.type === DatagramType.PING && d.dst === local && d.src === remote) void socket.send(encodeDatagram(DatagramType.PONG, remote, local, d.payload), from.port, from.address).catch(() => undefined);
    } catch {
      /* not ours */
    }
  });
}

async function pingOver(socket: DatagramSocket, to: { address: string; port: number }, local: number, remote: number): Promise<number | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const probe = createPingProbe(local, remote);
    const t0 = performance.now();
    const rtt = await new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => (sub.dispose(), resolve(undefined)), 1000);
      const sub = socket.onDatagram((d, from) => {
        if (probe.accept(d, from)) {
          clearTimeout(timer);
          sub.dispose();
          resolve(performance.now() - t0);
        }
      });
      void socket.send(probe.datagram, to.port, to.address).catch(() => undefined);
    });
    if (rtt !== undefined) return rtt;
  }
  return undefined;
}

async function window(host: Host, media: MediaTransport, nat: NatInfo, c: WindowCommand): Promise<void> {
  const ac = new AbortController();
  const t0 = performance.now();
  try {
    const req = {
      role: c.role,
      callId: c.callId,
      localEndpoint: c.local,
      remoteEndpoint: c.remote,
      remoteCandidates: c.remoteCandidates,
      socket: media.socket,
      signal: ac.signal,
      nat: { local: nat, remote: c.remoteNat },
      openSocket: () => media.openSocket!(),
      ...(c.role === 'caller' ? { probe: createPingProbe(c.local, c.remote) } : {}),
    };
    let res;
    for (const name of c.strategies ?? DEFAULT_STRATEGIES) {
      await host.services.activate(`onPunch:${name}`);
      res = await host.hooks.openWindow.for(name).promise(req);
      if (res) break;
    }
    const ms = performance.now() - t0;
    if (!res) return emit({ event: 'window', callId: c.callId, ok: false, code: 'E_NO_STRATEGY', ms });
    const socket = res.socket ?? media.socket;
    const owned = res.socket as OwnedDatagramSocket | undefined;
    if (c.role === 'callee') {
      const sub = answerPings(socket, c.local, c.remote);
      emit({ event: 'window', callId: c.callId, ok: true, ms, strategy: res.strategy, remote: res.remote, detail: res.detail });
      setTimeout(() => {
        sub.dispose();
        // The strategy's detail may count on in the background (an easy callee's spray): report where it ended.
        emit({ event: 'window.end', callId: c.callId, detail: res.detail });
        ac.abort();
        void owned?.close();
      }, c.holdMs ?? 8000);
      return;
    }
    const rttMs = await pingOver(socket, res.remote, c.local, c.remote);
    emit({ event: 'window', callId: c.callId, ok: rttMs !== undefined, ms, rttMs, strategy: res.strategy, remote: res.remote, detail: res.detail });
    ac.abort();
    await owned?.close();
  } catch (err) {
    const e = tapErrorCause(err) as PinholeError;
    emit({ event: 'window', callId: c.callId, ok: false, code: e.code, message: e.message, ms: performance.now() - t0 });
  }
}

(async () => {
  const host = new Host({ config: { log: { level: 'silent' }, ...JSON.parse(values.config!) } });
  await host.start();
  await host.plugins.activate('media-udp');
  const factory = await host.services.load<MediaTransportFactory>(MediaTransportFactory);
  const media = await factory.create({ port: Number(values.port), host: '0.0.0.0' });
  const [address, port] = values.stun!.split(/:(?=\d+$)/);
  const nat = await media.classifyNat!({ address, port: Number(port) }, { testTimeoutMs: 700 });
  emit({ event: 'ready', nat, candidates: [...(nat.reflexive ? [nat.reflexive] : []), ...media.hostCandidates()] });
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      let c: WindowCommand;
      try {
        c = JSON.parse(line);
      } catch {
        return emit({ event: 'error', message: `bad command ${line}` });
      }
      void window(host, media, nat, c);
    })
    .on('close', () => void media.close().then(() => host.dispose()).then(() => process.exit(0)));
})().catch((err) => {
  emit({ event: 'error', message: (err as Error).stack });
  process.exit(1);
});
