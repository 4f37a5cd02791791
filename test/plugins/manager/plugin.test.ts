import { strict as assert } from 'assert';
import { createLogger, ManagerServerFactory } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import { Backoff, parseManagerAddress } from '@pinhole/manager-client';

describe('manager plugins: manifests, options, small parts', () => {
  it('both manifests load without problems and declare their commands and dependencies', () => {
    const host = new Host({ config: {}, log: createLogger({ level: 'silent', events: false }) });
    const server = host.plugins.get('manager-server')!;
    const client = host.plugins.get('manager-client')!;
    assert.deepEqual([server.problems, client.problems], [[], []]);
    assert.ok(server.activationEvents.includes('onManager') && server.activationEvents.includes('onCommand:manager'));
    assert.ok(client.activationEvents.includes('onCommand:peer'));
    assert.deepEqual(client.dependencies, ['media-udp', 'identity-ed25519', 'secure-noise']);
  });

  it('picks the directory backend by the `directory` option and lists the installed ones (active or not) when it is missing', async () => {
    const host = new Host({ config: { plugins: { 'manager-server': { options: { directory: 'nope' } } } }, log: createLogger({ level: 'silent', events: false }) });
    const factory = await host.services.load<ManagerServerFactory>(ManagerServerFactory, 'onManager');
    await assert.rejects(factory.start({ port: 0, udpPort: 0 }), (e: { code: string; message: string }) => e.code === 'E_DIRECTORY_UNKNOWN' && /installed: memory, redis\)/.test(e.message));
    await host.dispose();
  });

  it('parses manager addresses: HOST:PORT, tls://, ws://, wss://, and refuses anything else', () => {
    assert.deepEqual(parseManagerAddress('10.0.0.1:8080'), { transport: 'tcp', tls: true, host: '10.0.0.1', port: 8080, text: '10.0.0.1:8080' }, 'TLS by default');
    assert.equal(parseManagerAddress('[::1]:80').host, '::1');
    assert.equal(parseManagerAddress('tls://m.example:443').tls, true);
    const wss = parseManagerAddress('wss://m.example:8080/pinhole');
    assert.deepEqual([wss.transport, wss.port, wss.url, wss.tls], ['ws', 8080, 'wss://m.example:8080/pinhole', true]);
    assert.equal(parseManagerAddress('wss://m.example').port, 443);
    for (const bad of ['m.example', 'http://m.example:80', 'm:99999', ''])
      assert.throws(() => parseManagerAddress(bad), (e: { code: string }) => e.code === 'E_BAD_ADDRESS');
    for (const plain of ['tcp://m.example:80', 'ws://m.example:8080/'])
      assert.throws(() => parseManagerAddress(plain), (e: { code: string; message: string }) => e.code === 'E_INSECURE_ADDRESS' && /--insecure/.test(e.message), 'plain text only on request');
    assert.equal(parseManagerAddress('10.0.0.1:8080', true).tls, false, '--insecure: a bare address is plain');
    assert.equal(parseManagerAddress('ws://m.example:8080/', true).tls, false);
  });

  it('reconnect backoff doubles from the minimum to the cap, with jitter in the upper half of each step', () => {
    const lo = new Backoff(100, 1000, () => 0);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => lo.next()), [50, 100, 200, 400, 500, 500]);
    const hi = new Backoff(100, 1000, () => 0.999999);
    assert.deepEqual([1, 2, 3, 4, 5].map(() => hi.next()), [100, 200, 400, 800, 1000]);
    hi.reset();
    assert.equal(hi.next(), 100);
  });
});
