import { strict as assert } from 'assert';
import { DatagramType, decodeDatagram } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import punchCompliance from '../compliance/punch';
import { mediaHost, transport } from '../helpers/media';

async function punchHost(options: Record<string, unknown> = {}) {
  const host = await mediaHost({ plugins: { 'punch-null-udp': { options } } });
  await host.plugins.activate('punch-null-udp');
  return host;
}

punchCompliance('null-udp', {
  createHost: punchHost,
  fastFailOptions: { probeTimeoutMs: 400, probeIntervalMs: 50 },
});

describe('punch-null-udp specifics', () => {
  it('sends zero-payload NULL datagrams to every caller candidate, repeated over the spread to the observed (first) one only', async () => {
    const host = await punchHost({ repeats: 3, spreadMs: 100 });
    const a = await transport(host);
    const a2 = await transport(host);
    const b = await transport(host);
    const got: Array<{ port: number; type: number; size: number }> = [];
    for (const t of [a, a2]) t.socket.onDatagram((d) => got.push({ port: t.socket.localPort, type: decodeDatagram(d).type, size: decodeDatagram(d).payload.length }));
    const res = await host.hooks.openWindow.for('null-udp').promise({
      role: 'callee',
      callId: 'x',
      localEndpoint: 5,
      remoteEndpoint: 6,
      remoteCandidates: [
        { address: '127.0.0.1', port: a.socket.localPort, kind: 'host' },
        { address: '127.0.0.1', port: a2.socket.localPort, kind: 'reflexive' },
      ],
      socket: b.socket,
      signal: new AbortController().signal,
    });
    assert.equal(res!.remote.port, a2.socket.localPort, 'reflexive candidate first');
    assert.equal(res!.detail!.ttl, 3);
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(got.filter((g) => g.port === a2.socket.localPort).length, 3, 'the observed address: the first round and 2 repeats');
    assert.equal(got.filter((g) => g.port === a.socket.localPort).length, 1, 'a reported address: once');
    assert.ok(got.every((g) => g.type === DatagramType.NULL && g.size === 0));
    for (const t of [a, a2, b]) await t.close();
    await host.dispose();
  });

  it('with sendNullPacket=false sends nothing but still answers (the negative control switch)', async () => {
    const host = await punchHost({ sendNullPacket: false });
    const a = await transport(host);
    const b = await transport(host);
    let n = 0;
    a.socket.onDatagram(() => n++);
    const res = await host.hooks.openWindow.for('null-udp').promise({
      role: 'callee', callId: 'x', localEndpoint: 5, remoteEndpoint: 6,
      remoteCandidates: [{ address: '127.0.0.1', port: a.socket.localPort, kind: 'host' }],
      socket: b.socket, signal: new AbortController().signal,
    });
    assert.equal(res!.detail!.nullPackets, 0);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(n, 0);
    await a.close();
    await b.close();
    await host.dispose();
  });

  it('rejects an out-of-range ttl in the config with the path named', async () => {
    const host = new Host({ config: { log: { level: 'silent' }, plugins: { 'punch-null-udp': { options: { ttl: 0 } } } } });
    await assert.rejects(host.plugins.activate('punch-null-udp'), /\/plugins\/punch-null-udp\/options\/ttl must be >= 1/);
    await host.dispose();
  });
});
