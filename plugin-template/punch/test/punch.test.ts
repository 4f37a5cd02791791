import { strict as assert } from 'assert';
import * as path from 'path';
import { punchCompliance } from '@pinhole/compliance';
import { createLogger } from '@pinhole/core';
import { Host } from '@pinhole/core/host';

const PLUGIN_DIR = path.resolve(__dirname, '../..');
const NAME = 'template-punch';

/** A host with the repository's plugins and this one; media-udp (the sockets) and this strategy active. */
async function createHost(options: Record<string, unknown> = {}): Promise<Host> {
  const host = new Host({ config: { plugins: { [NAME]: { options } } }, pluginDirs: [PLUGIN_DIR], log: createLogger({ level: 'silent' }) });
  await host.plugins.activate('media-udp');
  await host.plugins.activate(NAME);
  return host;
}

describe(NAME, () => {
  it('cannot run isolated in a worker (it needs the peer UDP socket): refused clearly, before anything runs', async () => {
    const host = new Host({ config: { plugins: { [NAME]: { isolation: 'worker' } } }, pluginDirs: [PLUGIN_DIR], log: createLogger({ level: 'silent' }) });
    assert.deepEqual(host.plugins.get(NAME)?.problems.map((p) => p.code), ['E_ISOLATION_UNSUPPORTED']);
    await assert.rejects(host.plugins.activate(NAME), /cannot run isolated .*"isolation": "none"/);
    await host.dispose();
  });

  it('is discovered with a valid manifest, activates on onPunch:<name> and refuses bad options by path', async () => {
    const host = await createHost();
    assert.deepEqual(host.plugins.get(NAME)?.problems, []);
    assert.ok(host.plugins.get(NAME)?.activationEvents.includes(`onPunch:${NAME}`));
    await host.dispose();
    const bad = new Host({ config: { plugins: { [NAME]: { options: { probeIntervalMs: 1 } } } }, pluginDirs: [PLUGIN_DIR], log: createLogger({ level: 'silent' }) });
    await assert.rejects(bad.plugins.activate(NAME), /probeIntervalMs must be >= 10/);
    await bad.dispose();
  });

  punchCompliance(NAME, { createHost, fastFailOptions: { probeTimeoutMs: 400, probeIntervalMs: 50 } });
});
