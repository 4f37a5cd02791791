import { strict as assert } from 'assert';
import * as dgram from 'dgram';
import { decodeStun, encodeStun, StunAttr, StunClass, StunMethod, type StunMessage } from '@pinhole/core';
import { mediaHost, transport } from '../../helpers/media';
import { testManager } from '../../helpers/manager';
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
