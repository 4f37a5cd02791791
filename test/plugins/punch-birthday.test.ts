import { strict as assert } from 'assert';
import * as dgram from 'dgram';
import {
  DatagramType,
  decodeDatagram,
  encodeDatagram,
  PinholeError,
  createPingProbe,
  tapErrorCause,
  type DatagramSocket,
  type Disposable,
  type MediaTransport,
  type NatInfo,
  type OwnedDatagramSocket,
  type WindowRequest,
} from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { RandomPorts, SocketGroup } from '@pinhole/punch-birthday';
import punchCompliance from '../compliance/punch';
import { mediaHost, transport } from '../helpers/media';

async function birthdayHost(options: Record<string, unknown> = {}): Promise<Host> {
  const host = await mediaHost({ plugins: { 'punch-birthday': { options } } });
  await host.plugins.activate('punch-birthday');
  return host;
}

punchCompliance('birthday', {
  createHost: (o) => birthdayHost({ onlyWhenHard: false, ...o }),
  fastFailOptions: { timeoutMs: 400, probeIntervalMs: 50 },
});

const HARD: NatInfo = { natted: true, mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', hard: true, tested: 'port' };
const EASY: NatInfo = { natted: true, mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', hard: false, tested: 'port' };
/** A loopback address of its own for the "hard" side, so random-port probes hit only this test's sockets. */
const HARD_IP = '127.0.0.77';
/** Linux's ephemeral range: where the hard side's sibling sockets get their ports. */
const EPHEMERAL: [number, number] = [32768, 60999];

/** Stands in for manager-client's callee listener: answers this call's PINGs with PONGs through `socket`. */
function answerPings(socket: DatagramSocket, local: number, remote: number): Disposable {
  return socket.onDatagram((data, from) => {
    let d;
    try {
      d = decodeDatagram(data);
    } catch {
      return;
    }
    if (d.type === DatagramType.PING && d.dst === local && d.src === remote) void socket.send(encodeDatagram(DatagramType.PONG, remote, local, d.payload), from.port, from.address).catch(() => undefined);
  });
}

/** openSocket that records what it opened, to check nothing is left open. */
function recordingOpener(t: MediaTransport): { open(): Promise<OwnedDatagramSocket>; opened: OwnedDatagramSocket[] } {
  const opened: OwnedDatagramSocket[] = [];
  return { opened, open: async () => (opened.push(await t.openSocket!()), opened[opened.length - 1]) };
}

const stillOpen = async (s: OwnedDatagramSocket) => s.send(Buffer.alloc(1), 9, '127.0.0.1').then(() => true, () => false);

describe('punch-birthday', function () {
  this.timeout(20000);
  let host: Host;
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  /** A request as manager-client makes it: a caller carries the probe of an --insecure call (PING/PONG). */
  const req = (over: Partial<WindowRequest> & Pick<WindowRequest, 'role' | 'socket'>): WindowRequest => {
    const base = { callId: 'bday', localEndpoint: 1, remoteEndpoint: 2, remoteCandidates: [], signal: new AbortController().signal, ...over };
    return base.role === 'caller' && !base.probe ? { ...base, probe: createPingProbe(base.localEndpoint, base.remoteEndpoint) } : base;
  };

  it('declines without NAT classification, when no side is hard, and when both are (the relay’s case)', async () => {
    host = await birthdayHost();
    closers.push(() => host.dispose());
    const t = await transport(host);
    closers.push(() => t.close());
    const cands = [{ address: '127.0.0.1', port: 9, kind: 'reflexive' as const }];
    for (const nat of [undefined, { local: EASY, remote: EASY }, { local: HARD, remote: HARD }])
      assert.equal(await host.hooks.openWindow.for('birthday').promise(req({ role: 'caller', socket: t.socket, remoteCandidates: cands, nat, openSocket: () => t.openSocket!() })), undefined);
  });

  it('hard callee × easy caller: the caller finds one of 256 sockets by random ports; the group latches onto it and closes the rest', async () => {
    host = await birthdayHost({ portMin: EPHEMERAL[0], portMax: EPHEMERAL[1], probes: 8000, probesPerSecond: 4000, timeoutMs: 8000 });
    closers.push(() => host.dispose());
    const hard = await transport(host, 0, HARD_IP);
    const easy = await transport(host);
    closers.push(() => hard.close(), () => easy.close());
    const opener = recordingOpener(hard);
    const callee = await host.hooks.openWindow.for('birthday').promise(
      req({ role: 'callee', socket: hard.socket, localEndpoint: 22, remoteEndpoint: 11, remoteCandidates: [{ address: '127.0.0.1', port: easy.socket.localPort, kind: 'reflexive' }], nat: { local: HARD, remote: EASY }, openSocket: opener.open }),
    );
    assert.ok(callee?.socket instanceof SocketGroup, 'the hard callee hands back its socket group');
    assert.equal(opener.opened.length, 256);
    answerPings(callee.socket, 22, 11);
    const caller = await host.hooks.openWindow.for('birthday').promise(
      req({ role: 'caller', socket: easy.socket, localEndpoint: 11, remoteEndpoint: 22, remoteCandidates: [{ address: HARD_IP, port: hard.socket.localPort, kind: 'reflexive' }], nat: { local: EASY, remote: HARD } }),
    );
    assert.ok(caller);
    assert.equal(caller.remote.address, HARD_IP);
    const group = callee.socket as SocketGroup;
    const winner = opener.opened[group.winnerIndex!];
    assert.equal(caller.remote.port, winner.localPort, 'the path ends at the socket the probe hit');
    assert.ok((caller.detail!.randomPorts as number) > 0);
    console.log(`      hit after ${caller.detail!.randomPorts} random ports (${caller.detail!.firstAnswerMs} ms)`);
    const open = await Promise.all(opener.opened.map(stillOpen));
    assert.deepEqual(open.map((o, i) => (o ? i : -1)).filter((i) => i >= 0), [group.winnerIndex], 'only the winner stays open');
    await group.close();
  });

  it('hard caller × easy callee: a socket the callee’s random null packets reach probes through its mapping; that socket is the path', async () => {
    host = await birthdayHost({ portMin: EPHEMERAL[0], portMax: EPHEMERAL[1], probes: 8000, probesPerSecond: 4000, timeoutMs: 8000 });
    closers.push(() => host.dispose());
    const hard = await transport(host, 0, HARD_IP);
    const easy = await transport(host);
    // Without NATs on loopback, the hard side's opening packets would simply arrive; aim them at a silent
    // socket instead, as a TTL-limited packet dies on the way, so only the birthday search can connect.
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    closers.push(() => hard.close(), () => easy.close(), async () => silent.close());
    answerPings(easy.socket, 22, 11);
    const callee = await host.hooks.openWindow.for('birthday').promise(
      req({ role: 'callee', socket: easy.socket, localEndpoint: 22, remoteEndpoint: 11, remoteCandidates: [{ address: HARD_IP, port: hard.socket.localPort, kind: 'reflexive' }], nat: { local: EASY, remote: HARD } }),
    );
    assert.equal(callee!.detail!.role, 'easy');
    const opener = recordingOpener(hard);
    const caller = await host.hooks.openWindow.for('birthday').promise(
      req({ role: 'caller', socket: hard.socket, localEndpoint: 11, remoteEndpoint: 22, remoteCandidates: [{ address: '127.0.0.1', port: silent.address().port, kind: 'reflexive' }], nat: { local: HARD, remote: EASY }, openSocket: opener.open }),
    );
    assert.ok(caller?.socket, 'the winning socket comes back');
    assert.deepEqual(caller.remote, { address: '127.0.0.1', port: easy.socket.localPort });
    assert.equal(caller.socket, opener.opened[caller.detail!.winner as number]);
    const open = await Promise.all(opener.opened.map(stillOpen));
    assert.equal(open.filter(Boolean).length, 1, 'the losers are closed');
    await (caller.socket as OwnedDatagramSocket).close();
  });

  it('hard caller: times out with E_WINDOW_TIMEOUT, or stops on abort, and closes every socket it opened', async () => {
    host = await birthdayHost({ timeoutMs: 300, sockets: 16 });
    closers.push(() => host.dispose());
    const hard = await transport(host, 0, HARD_IP);
    closers.push(() => hard.close());
    for (const abort of [false, true]) {
      const opener = recordingOpener(hard);
      const ac = new AbortController();
      const p = host.hooks.openWindow.for('birthday').promise(
        req({ role: 'caller', socket: hard.socket, remoteCandidates: [{ address: '127.0.0.1', port: 9, kind: 'reflexive' }], nat: { local: HARD, remote: EASY }, openSocket: opener.open, signal: ac.signal }),
      );
      if (abort) setTimeout(() => ac.abort(), 50);
      await assert.rejects(p, (e: unknown) => tapErrorCause(e) instanceof PinholeError && (tapErrorCause(e) as PinholeError).code === (abort ? 'E_ABORTED' : 'E_WINDOW_TIMEOUT'));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(opener.opened.length, 16);
      assert.deepEqual(await Promise.all(opener.opened.map(stillOpen)), new Array(16).fill(false));
    }
  });

  it('SocketGroup: answers only through a socket that heard the peer; unlatched it closes everything at its timeout', async () => {
    host = await mediaHost();
    closers.push(() => host.dispose());
    const t = await transport(host);
    closers.push(() => t.close());
    const socks = [await t.openSocket!(), await t.openSocket!()];
    const group = new SocketGroup(socks, 200, new AbortController().signal);
    await assert.rejects(group.send(Buffer.alloc(1), 9, '127.0.0.1'), (e: unknown) => (e as PinholeError).code === 'E_NO_PATH');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await Promise.all(socks.map(stillOpen)), [false, false]);
  });

  it('RandomPorts: every port of the range once, in random order, skipping the given ones', () => {
    const r = new RandomPorts(1000, 1999, new Set([1500]));
    const seen: number[] = [];
    for (let p = r.next(); p !== undefined; p = r.next()) seen.push(p);
    assert.equal(seen.length, 999);
    assert.equal(new Set(seen).size, 999);
    assert.ok(!seen.includes(1500) && Math.min(...seen) === 1000 && Math.max(...seen) === 1999);
    assert.notDeepEqual(seen.slice(0, 20), [...seen].sort((a, b) => a - b).slice(0, 20));
  });
});
