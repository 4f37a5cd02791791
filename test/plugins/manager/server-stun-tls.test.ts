import { strict as assert } from 'assert';
import { execFile, execFileSync } from 'child_process';
import * as dgram from 'dgram';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import WebSocket from 'ws';
import {
  createLogger,
  decodeControl,
  decodeStun,
  encodeControl,
  encodeFrame,
  encodeStun,
  FrameDecoder,
  StunClass,
  StunMethod,
} from '@pinhole/core';
import { RawPeer, testManager, until } from '../../helpers/manager';

type Manager = Awaited<ReturnType<typeof testManager>>;
const STUNCLIENT = '/usr/bin/turnutils_stunclient';

async function udpSocket(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

function exchange(s: dgram.Socket, data: Buffer, port: number, timeoutMs = 1000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      s.off('message', on);
      resolve(undefined);
    }, timeoutMs);
    const on = (msg: Buffer) => {
      clearTimeout(t);
      s.off('message', on);
      resolve(msg);
    };
    s.on('message', on);
    s.send(data, port, '127.0.0.1');
  });
}

describe('manager-server: STUN responder', () => {
  let m: Manager;
  const lines: string[] = [];
  const sockets: dgram.Socket[] = [];
  beforeEach(async () => {
    lines.length = 0;
    m = await testManager({ log: createLogger({ json: true, level: 'debug', write: (l) => lines.push(l) }) });
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await m.close();
  });

  it("interoperates with coturn's turnutils_stunclient: it reports 127.0.0.1 and its own source port", async function () {
    if (!fs.existsSync(STUNCLIENT)) {
      console.log(`      skipping: ${STUNCLIENT} missing (apt-get install coturn)`);
      return this.skip();
    }
    const out = await new Promise<string>((resolve, reject) =>
      execFile(STUNCLIENT, ['-p', String(m.address().udp.port), '127.0.0.1'], { timeout: 5000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout))),
    );
    const match = /UDP reflexive addr: (\d+\.\d+\.\d+\.\d+):(\d+)/.exec(out);
    assert.ok(match, `turnutils_stunclient printed a reflexive address: ${out}`);
    assert.equal(match[1], '127.0.0.1');
    const seen = lines.map((l) => JSON.parse(l)).filter((e) => e.msg === 'STUN binding answered').map((e) => e.from);
    assert.ok(seen.includes(`127.0.0.1:${match[2]}`), `the port it reports (${match[2]}) is the one its request came from (${seen.join(', ')})`);
  });

  it('the probe token in USERNAME ties the reflexive address to the registered peer; OpenWindow lists it first', async () => {
    const a = await RawPeer.tcp(m.address().tcp.port);
    const b = await RawPeer.tcp(m.address().tcp.port);
    try {
      const reg = await a.register('alice', { candidates: [{ address: '127.0.0.1', port: 41000, kind: 0 }], policy: { mode: 2 } });
      await b.register('bob');
      const media = await udpSocket();
      sockets.push(media);
      const stranger = await udpSocket();
      sockets.push(stranger);
      const probe = (username?: string) => encodeStun({ method: StunMethod.Binding, cls: StunClass.Request, transactionId: Buffer.alloc(12, 7), username, fingerprint: true });

      const wrong = decodeStun((await exchange(stranger, probe('not-a-token'), reg.stunPort!))!);
      assert.equal(wrong.cls, StunClass.Success, 'anyone gets an answer');
      assert.equal((await m.directory.get('alice'))!.reflexive, undefined, 'but a wrong token records nothing');

      const answer = decodeStun((await exchange(media, probe(reg.probeToken), reg.stunPort!))!);
      assert.deepEqual(answer.xorMappedAddress, { family: 'IPv4', address: '127.0.0.1', port: media.address().port });
      assert.deepEqual((await m.directory.get('alice'))!.reflexive, { address: '127.0.0.1', port: media.address().port, kind: 'reflexive' }, 'recorded before the answer was sent');

      b.send({ callRequest: { callId: 'p1', calleeId: 'alice' } });
      const ready = a.next('openWindow');
      const ow = (await ready).openWindow!;
      assert.ok(ow);
      a.send({ windowOpened: { callId: 'p1' } });
      const r = (await b.next('ready')).ready!;
      assert.deepEqual(r.calleeCandidates!.map((c) => c.port), [media.address().port, 41000], 'reflexive first, then host');
    } finally {
      a.close();
      b.close();
    }
  });

  it('drops garbage silently, answers 420 for unknown comprehension-required attributes, and keeps answering', async () => {
    const s = await udpSocket();
    sockets.push(s);
    const port = m.address().udp.port;
    assert.equal(await exchange(s, Buffer.from('definitely not stun'), port, 150), undefined);
    const truncated = encodeStun({ method: StunMethod.Binding, cls: StunClass.Request, transactionId: Buffer.alloc(12, 1), username: 'x' }).subarray(0, 22);
    assert.equal(await exchange(s, truncated, port, 150), undefined);
    assert.equal(await exchange(s, Buffer.alloc(4000), port, 150), undefined, 'oversize');
    const indication = encodeStun({ method: StunMethod.Binding, cls: StunClass.Indication, transactionId: Buffer.alloc(12, 2) });
    assert.equal(await exchange(s, indication, port, 150), undefined, 'indications get no answer');
    const unknown = encodeStun({ method: StunMethod.Binding, cls: StunClass.Request, transactionId: Buffer.alloc(12, 3), attributes: [{ type: 0x0003, value: Buffer.alloc(4) }] });
    const e = decodeStun((await exchange(s, unknown, port))!);
    assert.equal(e.cls, StunClass.Error);
    assert.equal(e.errorCode!.code, 420);
    assert.deepEqual(e.unknownAttributes, [0x0003]);
    const ok = decodeStun((await exchange(s, encodeStun({ method: StunMethod.Binding, cls: StunClass.Request, transactionId: Buffer.alloc(12, 4) }), port))!);
    assert.equal(ok.cls, StunClass.Success);
    assert.ok(m.stats()['stun.dropped'] >= 4);
  });
});

describe('manager-server: TLS (port 443 style)', () => {
  let m: Manager;
  let cert: Buffer;
  let key: Buffer;
  before(function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    } catch {
      console.log('      skipping TLS: openssl is needed to make a test certificate');
      this.skip();
    }
    cert = fs.readFileSync(path.join(dir, 'c.pem'));
    key = fs.readFileSync(path.join(dir, 'k.pem'));
  });
  afterEach(async () => m?.close());

  it('serves framed TCP and WebSocket inside TLS on one port', async () => {
    m = await testManager({ tls: { cert, key } });
    const port = m.address().tcp.port;
    const framed = await RawPeer.tcp(port, '127.0.0.1', { ca: cert, servername: 'localhost' });
    assert.equal((await framed.register('tlsalice')).peerId, 'tlsalice');
    framed.close();

    const ws = await RawPeer.ws(`wss://localhost:${port}/`).catch(() => undefined);
    assert.equal(ws, undefined, 'an untrusted certificate is refused by a default client');
    const wss = await RawPeer.ws(`wss://localhost:${port}/`, { ca: cert });
    assert.equal((await wss.register('tlsbob')).peerId, 'tlsbob');
    wss.close();
    await until(() => m.stats().peers === 0, 1000, 'both closed');
  });
});
