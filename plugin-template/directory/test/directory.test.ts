import { strict as assert } from 'assert';
import * as path from 'path';
import { directoryCompliance } from '@pinhole/compliance';
import { createLogger, DirectoryBackend, type Directory } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import type { TableDirectory } from '../src';

const PLUGIN_DIR = path.resolve(__dirname, '../..');
const NAME = 'template-directory';

describe(NAME, () => {
  it('cannot run isolated in a worker (the manager drives it with live subscriptions): refused clearly, before anything runs', async () => {
    const host = new Host({ config: { plugins: { [NAME]: { isolation: 'worker' } } }, pluginDirs: [PLUGIN_DIR], log: createLogger({ level: 'silent' }) });
    assert.deepEqual(host.plugins.get(NAME)?.problems.map((p) => p.code), ['E_ISOLATION_UNSUPPORTED']);
    await assert.rejects(host.plugins.activate(NAME), /cannot run isolated .*"isolation": "none"/);
    await host.dispose();
  });

  let host: Host;
  let backend: DirectoryBackend;
  before(async () => {
    host = new Host({ config: {}, pluginDirs: [PLUGIN_DIR], log: createLogger({ level: 'silent' }) });
    // The backend exactly as the manager finds it: activated by its event, picked by name.
    const found = (await host.services.loadAll<DirectoryBackend>(DirectoryBackend, `onDirectory:${NAME}`)).find((b) => b.name === NAME);
    assert.ok(found, `the plugin binds a DirectoryBackend named ${NAME}`);
    backend = found;
  });
  after(() => host.dispose());

  it('is discovered with a valid manifest and active through onDirectory:<name>', () => {
    assert.deepEqual(host.plugins.get(NAME)?.problems, []);
    assert.equal(host.plugins.get(NAME)?.state, 'active');
  });

  directoryCompliance(NAME, {
    create: (options) => backend.create({ ...options }),
    connect: async (d: Directory) => (d as TableDirectory).connect(),
  });
});
