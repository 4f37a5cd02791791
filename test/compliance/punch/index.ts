import { strict as assert } from 'assert';
import * as dgram from 'dgram';
import {
  DatagramType,
  decodeDatagram,
  encodeDatagram,
  PinholeError,
  tapErrorCause,
  type Candidate,
  type MediaTransport,
  type WindowProbe,
  type WindowRequest,
  SessionSecurity,
} from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { randomBytes } from 'crypto';
import { transport } from '../../helpers/media';
import { identityOf } from '../../helpers/secure';

/** What a punch strategy plugin provides to the suite. */
export interface PunchSetup {
  /** A host where the strategy (and media-udp) is active, with the given plugin options. */
  createHost(options?: Record<string, unknown>): Promise<Host>;
  /** Options that make the caller give up quickly (so the failure tests stay fast). */
  fastFailOptions: Record<string, unknown>;
}

const cand = (t: MediaTransport, kind: Candidate['kind'] = 'host'): Candidate => ({ address: '127.0.0.1', port: t.socket.localPort, kind });

/**
 * The caller's probe as an --insecure call builds it: a PING with a nonce, answered by the
 * callee's session with a PONG. Strategies must treat every probe alike (the secure one, a
 * Noise handshake message, has its own test below).
 */
function pingProbe(ids: [number, number]): WindowProbe {
  const nonce = randomBytes(4);
  return {
    datagram: encodeDatagram(DatagramType.PING, ids[1], ids[0], nonce),
    accept(data: Buffer): boolean {
      try {
        const d = decodeDatagram(data);
        return d.type === DatagramType.PONG && d.dst === ids[0] && d.src === ids[1] && d.payload.equals(nonce);
      } catch {
        return false;
      }
    },
  };
}

function request(role: 'caller' | 'callee', t: MediaTransport, remote: MediaTransport | Candidate[], ids: [number, number], signal = new AbortController().signal, probe?: WindowProbe): WindowRequest {
  return {
    role,
    callId: 'compliance-call',
    localEndpoint: ids[0],
    remoteEndpoint: ids[1],
    remoteCandidates: Array.isArray(remote) ? remote : [cand(remote)],
    socket: t.socket,
    signal,
    ...(role === 'caller' ? { probe: probe ?? pingProbe(ids) } : {}),
  };
}

/**
 * Every punch strategy runs this from its own test: callee then caller over real loopback UDP
 * sockets, the way manager-client drives them. `name` is the strategy (its
 * `contributes.punchStrategies` name, the openWindow key it taps).
 */
export default function punchCompliance(name: string, setup: PunchSetup): void {
  describe(`punch strategy compliance: ${name}`, function () {
    this.timeout(15000);
    let host: Host;
    let a: MediaTransport;
    let b: MediaTransport;
    beforeEach(async () => {
      host = await setup.createHost();
      a = await transport(host);
      b = await transport(host);
    });
    afterEach(async () => {
      await a.close();
      await b.close();
      await host.dispose();
    });

    it('is contributed under its name and tapped under it', () => {
      const declared = host.plugins.list().flatMap((p) => ((p.contributes.punchStrategies as Array<{ name: string }> | undefined) ?? []).map((s) => s.name));
      assert.ok(declared.includes(name), `a plugin contributes punchStrategies "${name}"`);
      assert.ok(host.hooks.openWindow.for(name).taps.length > 0, `openWindow.for("${name}") is tapped`);
    });

    it('callee: answers with a direct path aimed at a caller candidate, and its packets carry the call ids', async () => {
      const seen: Buffer[] = [];
      a.socket.onDatagram((d) => seen.push(d));
      const res = await host.hooks.openWindow.for(name).promise(request('callee', b, a, [22, 11]));
      assert.ok(res, 'callee returned a result');
      assert.equal(res.path, 'direct');
      assert.deepEqual(res.remote, { address: '127.0.0.1', port: a.socket.localPort });
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(seen.length > 0, 'something reached the caller socket (no firewall on loopback)');
      for (const d of seen.map((x) => decodeDatagram(x))) assert.deepEqual([d.dst, d.src], [11, 22]);
    });

    it('callee: declines (undefined) when the caller has no usable candidate', async () => {
      assert.equal(await host.hooks.openWindow.for(name).promise(request('callee', b, [], [2, 1])), undefined);
    });

    it('caller then callee session: datagrams flow both ways and the path is reported', async () => {
      await host.hooks.openWindow.for(name).promise(request('callee', b, a, [22, 11]));
      const bs = await b.openSession({ callId: 'c', role: 'callee', localEndpoint: 22, remoteEndpoint: 11, remote: cand(a), keepaliveMs: 0, insecure: true });
      const res = await host.hooks.openWindow.for(name).promise(request('caller', a, b, [11, 22]));
      assert.ok(res);
      assert.deepEqual(res.remote, { address: '127.0.0.1', port: b.socket.localPort });
      assert.ok(bs.stats.received > 0, 'the callee session received the caller datagrams');
      const as = await a.openSession({ callId: 'c', role: 'caller', localEndpoint: 11, remoteEndpoint: 22, remote: res.remote, keepaliveMs: 0, insecure: true });
      const rtt = await as.ping();
      assert.ok(rtt >= 0 && rtt < 1000);
      await as.close();
      await bs.close();
    });

    it('caller: carries the secure probe (Noise message 1) and accepts only the real answer (message 2)', async () => {
      await host.plugins.activate('secure-noise');
      const security = await host.services.load<SessionSecurity>(SessionSecurity);
      const [ia, ib] = [await identityOf(host, 'punch-a'), await identityOf(host, 'punch-b')];
      const ids: [number, number] = [31, 32];
      const initiator = security.initiator({ callId: 'compliance-call', localEndpoint: 31, remoteEndpoint: 32, identity: ia, remotePublicKey: ib.publicKey });
      const responder = security.responder({ callId: 'compliance-call', localEndpoint: 32, remoteEndpoint: 31, identity: ib, checkInitiator: () => true });
      let probesSeen = 0;
      const answer = b.socket.onDatagram((data, from) => {
        probesSeen++;
        const step = responder.receive(data);
        if (step.reply) void b.socket.send(step.reply, from.port, from.address);
      });
      const probe: WindowProbe = { datagram: initiator.message, accept: (d) => !!initiator.receive(d).result };
      const res = await host.hooks.openWindow.for(name).promise(request('caller', a, b, ids, undefined, probe));
      answer.dispose();
      assert.ok(res && probesSeen > 0);
      assert.deepEqual(res.remote, { address: '127.0.0.1', port: b.socket.localPort });
      assert.ok(initiator.result, 'the handshake completed inside the window opening');
    });

    it('caller: ignores answers with the wrong endpoint ids', async () => {
      const h = await setup.createHost(setup.fastFailOptions);
      const c = await transport(h);
      // An impostor answers every probe, but with the wrong source endpoint id.
      const impostor = b.socket.onDatagram((data, from) => {
        const d = decodeDatagram(data);
        if (d.type === DatagramType.PING) void b.socket.send(encodeDatagram(DatagramType.PONG, d.src, 999, d.payload), from.port, from.address);
      });
      await assert.rejects(h.hooks.openWindow.for(name).promise(request('caller', c, b, [11, 22])), (err: unknown) => tapErrorCause(err) instanceof PinholeError);
      impostor.dispose();
      await c.close();
      await h.dispose();
    });

    it('caller: fails within its timeout with a PinholeError naming the cause when nobody answers (no hang)', async () => {
      const h = await setup.createHost(setup.fastFailOptions);
      const c = await transport(h);
      const silent = dgram.createSocket('udp4');
      await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
      const started = Date.now();
      await assert.rejects(h.hooks.openWindow.for(name).promise(request('caller', c, [{ address: '127.0.0.1', port: silent.address().port, kind: 'host' }], [1, 2])), (err: unknown) => {
        const cause = tapErrorCause(err);
        assert.ok(cause instanceof PinholeError, String(cause));
        assert.ok(cause.message.length > 20);
        return true;
      });
      assert.ok(Date.now() - started < 10000);
      silent.close();
      await c.close();
      await h.dispose();
    });

    it('caller: stops promptly when the call is aborted', async () => {
      const ac = new AbortController();
      const p = host.hooks.openWindow.for(name).promise(request('caller', a, [{ address: '127.0.0.1', port: 9, kind: 'host' }], [1, 2], ac.signal));
      setTimeout(() => ac.abort(), 50);
      await assert.rejects(p, (err: unknown) => tapErrorCause(err) instanceof PinholeError);
    });
  });
}
