import { strict as assert } from 'assert';
import { createLogger, PluginError } from '@pinhole/core';
import { Host, isolationOf, limitsOf, validateConfig } from '@pinhole/core/host';

const quiet = (lines: string[] = []) => createLogger({ json: true, level: 'warn', write: (l) => lines.push(l) });

describe('isolation settings: where a plugin runs, its limits, what cannot cross', () => {
  it('third-party (pluginPaths) plugins run in a worker unless trusted; built-ins in the peer unless isolated', () => {
    assert.deepEqual(isolationOf('x', {}, true), { isolation: 'worker', configured: false });
    assert.deepEqual(isolationOf('x', {}, false), { isolation: 'none', configured: false });
    assert.deepEqual(isolationOf('x', { plugins: { x: { isolation: 'none' } } }, true), { isolation: 'none', configured: true });
    assert.deepEqual(isolationOf('x', { plugins: { x: { isolation: 'worker' } } }, false), { isolation: 'worker', configured: true });
  });

  it('limits: the config schema holds the defaults, the config overrides them one by one', () => {
    assert.deepEqual(limitsOf('x', {}), { maxHeapMb: 128, callTimeoutMs: 5000, activateTimeoutMs: 10000, maxRestarts: 5, restartBackoffMs: 250, batchWindowMs: 0 });
    assert.equal(limitsOf('x', { plugins: { x: { limits: { maxHeapMb: 32 } } } }).maxHeapMb, 32);
    assert.equal(limitsOf('x', { plugins: { x: { limits: { maxHeapMb: 32 } } } }).callTimeoutMs, 5000);
  });

  it('the config schema refuses a bad isolation or limit by path', () => {
    assert.throws(() => validateConfig({ plugins: { x: { isolation: 'process' } } }), (e: PluginError) => e.code === 'E_CONFIG_INVALID' && /\/plugins\/x\/isolation must be equal to one of the allowed values/.test(e.message));
    assert.throws(() => validateConfig({ plugins: { x: { limits: { maxHeapMb: 1 } } } }), /\/plugins\/x\/limits\/maxHeapMb must be >= 8/);
    assert.throws(() => validateConfig({ plugins: { x: { limits: { callTimeoutMs: 'fast' } } } }), /\/plugins\/x\/limits\/callTimeoutMs must be integer/);
    assert.throws(() => validateConfig({ plugins: { x: { limits: { heap: 64 } } } }), /\/plugins\/x\/limits\/heap is not an allowed property/);
  });

  it('a plugin whose contributions need live objects is refused isolation at discovery, saying why and how to trust it; codecs are not', async () => {
    const host = new Host({ config: { plugins: { 'punch-null-udp': { isolation: 'worker' }, 'codec-mjpeg': { isolation: 'worker' }, 'codec-g711': { isolation: 'worker' } } }, log: quiet() });
    const punch = host.plugins.get('punch-null-udp')!;
    assert.equal(punch.state, 'invalid');
    assert.deepEqual(punch.problems.map((p) => `${p.code} ${p.path}`), ['E_ISOLATION_UNSUPPORTED /contributes/punchStrategies']);
    assert.match(punch.problems[0].message, /its config says "isolation": "worker".*punchStrategies need the peer's UDP socket.*"punch-null-udp": \{ "isolation": "none" \}/);
    assert.deepEqual(host.plugins.get('codec-mjpeg')!.problems, [], 'a video codec can be isolated');
    assert.deepEqual(host.plugins.get('codec-g711')!.problems, [], 'a voice codec can be isolated');
    await assert.rejects(host.plugins.activate('punch-null-udp'), (e: PluginError) => e.code === 'E_PLUGIN_NOT_LOADABLE' && /cannot run isolated/.test(e.message));
    await host.dispose();
  });

  it('limits set for a plugin that runs in the peer process are reported as having no effect', () => {
    const lines: string[] = [];
    new Host({ config: { plugins: { 'codec-g711': { limits: { maxHeapMb: 64 } } } }, log: quiet(lines) });
    assert.ok(lines.some((l) => /limits for plugin "codec-g711", which runs in the peer process/.test(JSON.parse(l).msg)), lines.join('\n'));
  });

  it('deactivation stops the worker; a codec used after that says the plugin was deactivated', async () => {
    const host = new Host({ config: { plugins: { 'codec-g711': { isolation: 'worker' } } }, log: quiet() });
    const { Codec } = await import('@pinhole/core');
    const pcmu = (await host.services.loadAll<import('@pinhole/core').Codec>(Codec, 'onCodec:pcmu')).find((c) => c.name === 'pcmu')!;
    const enc = pcmu.createEncoder();
    assert.equal((await enc.encode(new Int16Array(160))).length, 160);
    await host.dispose();
    await assert.rejects(Promise.resolve(enc.encode(new Int16Array(160))), (e: PluginError) => e.code === 'E_PLUGIN_CLOSED' && /plugin "codec-g711" was deactivated/.test(e.message));
  });
});
