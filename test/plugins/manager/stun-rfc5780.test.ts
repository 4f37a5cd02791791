import { strict as assert } from 'assert';
import * as dgram from 'dgram';
import { decodeStun, encodeStun, StunAttr, StunClass, StunMethod, type StunMessage } from '@pinhole/core';
import { mediaHost, transport } from '../../helpers/media';
import { RawPeer, testManager, TestKey } from '../../helpers/manager';
import { classifyNat, type ClassifierSocket } from '@pinhole/media-udp';
import { coturnMissing, startCoturn } from '../../helpers/coturn';

type Manager = Awaited<ReturnType<typeof testManager>>;

/** One Binding request from a plain socket; the answer and where it came from, or undefined. */
async function binding(to: { host: string; port: number }, fields: Partial<StunMessage> = {}, timeoutMs = 500): Promise<{ msg: StunMessage; from: dgram.RemoteInfo } | undefined> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  try {
    return await new Promise((resolve) => {
      const t = setTimeout(() => resolve(undefined), timeoutMs);
      s.on('message', (m, from) => {
        clearTimeout(t);
        resolve({ msg: decodeStun(m), from });
      });
      s.send(encodeStun({ method: StunMethod.Binding, cls: StunClass.Request, transactionId: Buffer.alloc(12, 9), ...fields }), to.port, to.host);
    });
  } finally {
    s.close();
  }
}

describe('manager-server: RFC 5780 alternate STUN port and address', () => {
  const managers: Manager[] = [];
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.close();
  });
  const start = async (o: Parameters<typeof testManager>[0] = {}) => {
    const m = await testManager(o);
    managers.push(m);
    return m;
  };

  it('names its other port (ALTERNATE-PORT, not OTHER-ADDRESS: it has one address) and answers CHANGE-REQUEST (port) from it; a change of address it cannot make gets 420', async () => {
    const m = await start();
    const { udp, stunAlternate } = m.address();
    assert.ok(stunAlternate && stunAlternate.port !== udp.port, 'an alternate port by default');
    const plain = (await binding(udp))!;
    assert.equal(plain.msg.otherAddress, undefined, 'standard RFC 5780 clients would then ask for a change of address');
    assert.equal(plain.msg.alternatePort, stunAlternate.port);
    assert.deepEqual(plain.msg.responseOrigin, { family: 'IPv4', address: '127.0.0.1', port: udp.port });
    const changed = (await binding(udp, { changeRequest: { changeIp: false, changePort: true } }))!;
    assert.equal(changed.from.port, stunAlternate.port, 'answered from the alternate port');
    assert.deepEqual(changed.msg.responseOrigin!.port, stunAlternate.port);
    assert.equal(changed.msg.cls, StunClass.Success);
    const noIp = (await binding(udp, { changeRequest: { changeIp: true, changePort: true } }))!;
    assert.equal(noIp.msg.errorCode!.code, 420);
    assert.deepEqual(noIp.msg.unknownAttributes, [StunAttr.ChangeRequest]);
    assert.equal(m.stats()['stun.changed'], 1);
  });

  it('with a second address (127.0.0.2) it changes address and port', async () => {
    const m = await start({ stunAltHost: '127.0.0.2', stunAltPort: 0 });
    const { udp, stunAlternate } = m.address();
    assert.equal(stunAlternate!.host, '127.0.0.2');
    const plain = (await binding(udp))!;
    assert.deepEqual(plain.msg.otherAddress, { family: 'IPv4', address: '127.0.0.2', port: stunAlternate!.port });
    const both = (await binding(udp, { changeRequest: { changeIp: true, changePort: true } }))!;
    assert.deepEqual([both.from.address, both.from.port], ['127.0.0.2', stunAlternate!.port]);
    const ipOnly = (await binding(udp, { changeRequest: { changeIp: true, changePort: false } }))!;
    assert.deepEqual([ipOnly.from.address, ipOnly.from.port], ['127.0.0.2', udp.port]);
    // The alternates answer plain requests too, and name the primary side as their other address.
    const atAlt = (await binding({ host: '127.0.0.2', port: stunAlternate!.port }))!;
    assert.deepEqual(atAlt.msg.otherAddress, { family: 'IPv4', address: '127.0.0.1', port: udp.port });
  });

  it('stunAltPort -1 turns it off: no OTHER-ADDRESS, CHANGE-REQUEST gets 420; a wildcard primary refuses a second address', async () => {
    const m = await start({ stunAltPort: -1 });
    assert.equal(m.address().stunAlternate, undefined);
    const plain = (await binding(m.address().udp))!;
    assert.equal(plain.msg.otherAddress, undefined);
    assert.equal(plain.msg.alternatePort, undefined);
    const change = (await binding(m.address().udp, { changeRequest: { changeIp: false, changePort: true } }))!;
    assert.equal(change.msg.errorCode!.code, 420);
    await assert.rejects(start({ udpHost: '0.0.0.0', stunAltHost: '127.0.0.2' }), /needs specific addresses/);
  });
});

describe('media-udp: NAT classification against the manager (loopback: no NAT, no filter)', function () {
  this.timeout(10000);
  const managers: Manager[] = [];
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.close();
  });

  const classify = async (o: Parameters<typeof testManager>[0]) => {
    const m = await testManager(o);
    managers.push(m);
    const host = await mediaHost();
    const t = await transport(host);
    try {
      const { udp } = m.address();
      return await t.classifyNat!({ address: udp.host, port: udp.port }, { testTimeoutMs: 400 });
    } finally {
      await t.close();
      await host.dispose();
    }
  };

  it('two addresses: no NAT, endpoint-independent mapping and filtering', async () => {
    const nat = await classify({ stunAltHost: '127.0.0.2', stunAltPort: 0 });
    assert.deepEqual({ ...nat, reflexive: undefined }, { natted: false, mapping: 'endpoint-independent', filtering: 'endpoint-independent', hard: false, reflexive: undefined, tested: 'address' });
    assert.equal(nat.reflexive!.address, '127.0.0.1');
  });

  it('ports only: filtering is at best address-dependent (no second address to prove more)', async () => {
    const nat = await classify({});
    assert.equal(nat.tested, 'port');
    assert.equal(nat.mapping, 'endpoint-independent');
    assert.equal(nat.filtering, 'address-dependent');
    assert.equal(nat.hard, false);
  });

  it('Registered names the alternate address and port when there is a second address', async () => {
    const m = await testManager({ stunAltHost: '127.0.0.2', stunAltPort: 0 });
    managers.push(m);
    const peer = await RawPeer.tcp(m.address().tcp.port);
    try {
      const reg = await peer.register('alice', { key: new TestKey() });
      assert.equal(reg.stunAltAddress, '127.0.0.2');
      assert.equal(reg.stunAltPort, m.address().stunAlternate!.port);
    } finally {
      peer.close();
    }
  });

  it('no alternate: only the reflexive address is known', async () => {
    const nat = await classify({ stunAltPort: -1 });
    assert.equal(nat.tested, 'none');
    assert.equal(nat.filtering, 'unknown');
    assert.equal(nat.natted, false);
  });
});

describe("media-udp: NAT classification against coturn's RFC 5780 server (interop)", function () {
  this.timeout(15000);
  it('reads coturn OTHER-ADDRESS and change requests the same way: no NAT, endpoint-independent', async function () {
    const missing = coturnMissing();
    if (missing) {
      console.log(`      skipping: ${missing}`);
      return this.skip();
    }
    const turn = await startCoturn({ listeningIps: ['127.0.0.2'], altPort: true });
    const host = await mediaHost();
    const t = await transport(host);
    try {
      const nat = await t.classifyNat!({ address: '127.0.0.1', port: turn.port }, { testTimeoutMs: 500 });
      assert.equal(nat.tested, 'address', JSON.stringify(nat));
      assert.equal(nat.natted, false);
      assert.equal(nat.mapping, 'endpoint-independent');
      assert.equal(nat.filtering, 'endpoint-independent');
    } finally {
      await t.close();
      await host.dispose();
      await turn.stop();
    }
  });
});

describe('media-udp: the NAT classifier with the alternate announced up front (unit, fake sockets)', () => {
  const RTT = 150;
  const SERVER = { address: '198.51.100.1', port: 3478 };
  const ALT = { address: '198.51.100.2', port: 3479 };
  /** A socket behind an endpoint-independent NAT whose every Binding is answered after `rttMs`; records when each went out. */
  const natSocket = (rttMs: number, t0: () => number, sent: Array<{ to: string; at: number }>): ClassifierSocket => ({
    local: [{ address: '10.0.0.2', port: 5000, kind: 'host' }],
    request: (to, o) => {
      sent.push({ to: `${to.address}:${to.port}`, at: Date.now() - t0() });
      const change = o.changeRequest;
      // The filter lets nothing in from where this socket has not sent: change requests go unanswered.
      if (change && (change.changeIp || change.changePort)) return new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), rttMs * 2));
      return new Promise((resolve) =>
        setTimeout(() => resolve({ from: to, message: { method: StunMethod.Binding, cls: StunClass.Success, transactionId: Buffer.alloc(12), attributes: [], xorMappedAddress: { family: 4, address: '203.0.113.7', port: 40000 }, otherAddress: { family: 4, ...ALT } } as unknown as StunMessage }), rttMs),
      );
    },
  });

  const run = async (announce: boolean) => {
    const t = Date.now();
    const sent: Array<{ to: string; at: number }> = [];
    const spareSent: Array<{ to: string; at: number }> = [];
    let mappingAt = -1;
    const nat = await classifyNat(natSocket(RTT, () => t, sent), SERVER, { testTimeoutMs: 2 * RTT, onMapping: () => (mappingAt = Date.now() - t), ...(announce ? { other: { port: ALT.port, address: ALT.address } } : {}) }, natSocket(RTT, () => t, spareSent));
    return { nat, mappingAt, spareSent };
  };

  it('sends the spare socket\'s mapping Bindings with the first one: the mapping is known after one round trip', async () => {
    const { nat, mappingAt, spareSent } = await run(true);
    assert.equal(nat.mapping, 'endpoint-independent');
    assert.equal(nat.filtering, 'address-and-port-dependent');
    assert.ok(spareSent.filter((s) => s.to !== `${SERVER.address}:${SERVER.port}`).every((s) => s.at < RTT / 2), `Bindings to the alternate went out at once: ${JSON.stringify(spareSent)}`);
    assert.ok(mappingAt >= RTT - 5 && mappingAt < 2 * RTT - 5, `mapping known after one ${RTT} ms round trip: ${mappingAt} ms`);
  });

  it('without the announcement they wait for the first answer: two round trips', async () => {
    const { nat, mappingAt, spareSent } = await run(false);
    assert.equal(nat.mapping, 'endpoint-independent');
    assert.ok(spareSent.every((s) => s.at >= RTT - 5), `nothing before the first answer: ${JSON.stringify(spareSent)}`);
    assert.ok(mappingAt >= 2 * RTT - 5, `two round trips: ${mappingAt} ms`);
  });

  it('an announcement the server\'s own answer contradicts is not used (the answer names the alternate)', async () => {
    const t = Date.now();
    const spareSent: Array<{ to: string; at: number }> = [];
    const nat = await classifyNat(natSocket(RTT, () => t, []), SERVER, { testTimeoutMs: 2 * RTT, other: { port: 9, address: '192.0.2.99' } }, natSocket(RTT, () => t, spareSent));
    assert.equal(nat.mapping, 'endpoint-independent');
    assert.ok(spareSent.some((s) => s.to === `${ALT.address}:${ALT.port}` && s.at >= RTT - 5), 'the mapping test was run again against the alternate the answer named');
  });
});
