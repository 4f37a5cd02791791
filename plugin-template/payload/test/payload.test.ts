import { strict as assert } from 'assert';
import * as path from 'path';
import { payloadCompliance } from '@pinhole/compliance';
import { createLogger } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import type { TextOptions } from '../src';

const PLUGIN_DIR = path.resolve(__dirname, '../..');
const NAME = 'template-payload';

/** A host with the repository's plugins and this one, media-udp (the sessions) active. */
async function createHost(): Promise<Host> {
  const host = new Host({ config: {}, pluginDirs: [PLUGIN_DIR], log: createLogger({ level: 'silent' }) });
  await host.plugins.activate('media-udp');
  return host;
}

describe(NAME, () => {
  it('cannot run isolated in a worker (it needs the session and its streams): refused clearly, before anything runs', async () => {
    const host = new Host({ config: { plugins: { [NAME]: { isolation: 'worker' } } }, pluginDirs: [PLUGIN_DIR], log: createLogger({ level: 'silent' }) });
    assert.deepEqual(host.plugins.get(NAME)?.problems.map((p) => p.code), ['E_ISOLATION_UNSUPPORTED']);
    await assert.rejects(host.plugins.activate(NAME), /cannot run isolated .*"isolation": "none"/);
    await host.dispose();
  });

  it('is discovered with a valid manifest and activates on onPayload:<name>', async () => {
    const host = await createHost();
    assert.deepEqual(host.plugins.get(NAME)?.problems, []);
    await host.plugins.activateByEvent(`onPayload:${NAME}`);
    assert.equal(host.plugins.get(NAME)?.state, 'active');
    await host.dispose();
  });

  const text = (size: number): string => Array.from({ length: size }, (_, i) => String.fromCharCode(32 + (i % 95))).join('');
  payloadCompliance<string, string, TextOptions>(NAME, {
    createHost,
    receiverOptions: async () => ({ maxBytes: 50 << 20, inbox: [] }),
    item: async (size) => (size > 1 << 20 ? 'x'.repeat(size) : text(size)),
    intact: async (item, got) => got === item,
    refusal: async (opts) => ({ item: 'y'.repeat(opts.maxBytes! + 1), code: 'E_TEXT_TOO_LONG' }),
    arrived: async (item, opts) => opts.inbox!.includes(item),
  });
});
