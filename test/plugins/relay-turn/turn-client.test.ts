import { strict as assert } from 'assert';
import * as dgram from 'dgram';
import { PinholeError, turnRestCredentials, type DatagramAddress } from '@pinhole/core';
import { TurnAllocator, type TurnClient, type TurnServerSpec } from '@pinhole/relay-turn';
import { mediaHost } from '../../helpers/media';
import { coturnMissing, startCoturn, type Coturn } from '../../helpers/coturn';
import type { Host } from '@pinhole/core/host';

async function allocatorHost(options: Record<string, unknown> = {}): Promise<{ host: Host; allocator: TurnAllocator }> {
  const host = await mediaHost({ plugins: { 'relay-turn': { options } } });
  await host.plugins.activate('relay-turn');
  return { host, allocator: await host.services.load(TurnAllocator) };
}

async function peerSocket(ip = '127.0.0.1'): Promise<dgram.Socket & { addr: DatagramAddress }> {
  const s = dgram.createSocket('udp4') as dgram.Socket & { addr: DatagramAddress };
  await new Promise<void>((r) => s.bind(0, ip, () => r()));
  s.addr = { address: ip, port: s.address().port };
  return s;
}

const next = <T>(register: (h: (v: T) => void) => unknown, ms = 3000): Promise<T> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
    register((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });

const code = (c: string) => (e: unknown) => e instanceof PinholeError && e.code === c;

describe('relay-turn: TURN client against a real coturn', function () {
  this.timeout(30000);
  let turn: Coturn;
  let host: Host;
  let allocator: TurnAllocator;
  const clients: TurnClient[] = [];
  const sockets: dgram.Socket[] = [];
  before(async function () {
    const missing = coturnMissing();
    if (missing) {
      console.log(`      skipping TURN tests: ${missing}`);
      return this.skip();
    }
    turn = await startCoturn({ extra: ['denied-peer-ip=127.0.0.5'] });
    ({ host, allocator } = await allocatorHost());
  });
  after(async () => {
    await host?.dispose();
    await turn?.stop();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    for (const s of sockets.splice(0)) s.close();
  });

  const specs = (): Record<string, TurnServerSpec> => ({
    udp: { uri: `turn:127.0.0.1:${turn.port}`, secret: turn.secret, user: 'alice' },
    tcp: { uri: `turn:127.0.0.1:${turn.port}?transport=tcp`, secret: turn.secret, user: 'alice' },
    tls: { uri: `turns:127.0.0.1:${turn.tlsPort}`, secret: turn.secret, user: 'alice', ca: turn.cert },
  });

  for (const transport of ['udp', 'tcp', 'tls'] as const)
    it(`over ${transport.toUpperCase()}: allocates with REST credentials, relays both ways through a channel`, async () => {
      const c = await allocator.allocate(specs()[transport]);
      clients.push(c);
      assert.equal(c.relayed.address, '127.0.0.1');
      assert.ok(c.relayed.port >= turn.relayPorts[0] && c.relayed.port <= turn.relayPorts[1], `relayed port ${c.relayed.port} in coturn's range`);
      assert.equal(c.mapped?.address, '127.0.0.1');
      assert.ok(c.lifetime > 0);
      const peer = await peerSocket();
      sockets.push(peer);
      await c.connect(peer.addr);
      // peer → relayed address → us
      const got = next<[Buffer, DatagramAddress]>((h) => c.onData((d, from) => h([d, from])));
      peer.send(Buffer.from('to the client'), c.relayed.port, c.relayed.address);
      const [data, from] = await got;
      assert.equal(data.toString(), 'to the client');
      assert.deepEqual(from, peer.addr);
      // us → relay → peer, seen from the relayed address
      const back = next<[Buffer, dgram.RemoteInfo]>((h) => peer.once('message', (m, r) => h([m, r])));
      c.send(peer.addr, Buffer.from('to the peer'));
      const [m, r] = await back;
      assert.equal(m.toString(), 'to the peer');
      assert.deepEqual({ address: r.address, port: r.port }, c.relayed);
      assert.equal(c.stats.dropped, 0);
    });

  it('Send/Data indications when channels are off; an address without permission is not relayed (permissions are per IP)', async () => {
    const h = await allocatorHost({ channels: false });
    try {
      const c = await h.allocator.allocate(specs().udp);
      clients.push(c);
      const [peer, stranger] = [await peerSocket(), await peerSocket('127.0.0.2')];
      sockets.push(peer, stranger);
      await c.connect(peer.addr);
      const seen: string[] = [];
      c.onData((d) => seen.push(d.toString()));
      const back = next<Buffer>((x) => peer.once('message', x));
      c.send(peer.addr, Buffer.from('indication'));
      assert.equal((await back).toString(), 'indication');
      stranger.send(Buffer.from('uninvited'), c.relayed.port, c.relayed.address);
      peer.send(Buffer.from('invited'), c.relayed.port, c.relayed.address);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(seen, ['invited'], 'the permission lets the peer in and nobody else');
    } finally {
      await h.host.dispose();
    }
  });

  it('a wrong secret or expired credentials: E_TURN_AUTH naming the remedy', async () => {
    await assert.rejects(allocator.allocate({ ...specs().udp, secret: 'wrong' }), (e: unknown) => code('E_TURN_AUTH')(e) && /static-auth-secret/.test((e as Error).message));
    const expired = turnRestCredentials(turn.secret, 'alice', 60, Date.now() - 3600_000);
    await assert.rejects(allocator.allocate({ uri: specs().tcp.uri, username: expired.username, password: expired.password }), code('E_TURN_AUTH'));
  });

  it('a forbidden peer address: E_TURN_REFUSED 403 with the coturn setting to look at', async () => {
    const c = await allocator.allocate(specs().udp);
    clients.push(c);
    await assert.rejects(c.connect({ address: '127.0.0.5', port: 9 }), (e: unknown) => code('E_TURN_REFUSED')(e) && /403.*denied-peer-ip/.test((e as Error).message));
  });

  it('an untrusted TLS certificate is refused (secure by default)', async () => {
    await assert.rejects(allocator.allocate({ ...specs().tls, ca: undefined }), (e: unknown) => code('E_TURN_CONNECT')(e) && /certificate/i.test((e as Error).message));
  });

  it('close() releases the allocation and ends the client', async () => {
    const c = await allocator.allocate(specs().tcp);
    const closed = next<string>((h) => c.onClose(h));
    await c.close();
    assert.equal(await closed, 'closed');
    assert.throws(() => c.send({ address: '127.0.0.1', port: 9 }, Buffer.alloc(1)), code('E_TURN_CLOSED'));
    await assert.rejects(c.connect({ address: '127.0.0.1', port: 9 }), code('E_TURN_CLOSED'));
  });
});

describe('relay-turn: nonce refresh (438) and allocation refresh', function () {
  this.timeout(30000);
  let turn: Coturn;
  before(async function () {
    const missing = coturnMissing();
    if (missing) {
      console.log(`      skipping: ${missing}`);
      return this.skip();
    }
    turn = await startCoturn({ staleNonceS: 1, extra: ['max-allocate-lifetime=4'] });
  });
  after(async () => turn?.stop());

  it('a stale nonce is replaced and the request re-sent; the allocation is refreshed before its short lifetime lapses', async () => {
    const { host, allocator } = await allocatorHost({ refreshMarginSeconds: 5 });
    try {
      const c = await allocator.allocate({ uri: `turn:127.0.0.1:${turn.port}`, secret: turn.secret, user: 'bob' });
      assert.ok(c.lifetime <= 4, `coturn granted ${c.lifetime} s`);
      await new Promise((r) => setTimeout(r, 5500)); // past the first lifetime and the nonce's
      assert.ok(c.stats.refreshes >= 1, `refreshed ${c.stats.refreshes} times`);
      assert.ok(c.stats.staleNonces >= 1, 'at least one 438 was answered with the fresh nonce');
      assert.equal(c.isClosed, false);
      const peer = await peerSocket();
      await c.connect(peer.addr);
      const back = next<Buffer>((x) => peer.once('message', x));
      c.send(peer.addr, Buffer.from('still here'));
      assert.equal((await back).toString(), 'still here');
      peer.close();
      await c.close();
    } finally {
      await host.dispose();
    }
  });
});
