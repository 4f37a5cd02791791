import { strict as assert } from 'assert';
import * as path from 'path';
import { codecCompliance } from '@pinhole/compliance';
import { Codec, createLogger } from '@pinhole/core';
import { Host } from '@pinhole/core/host';

/** This plugin's folder (the test runs from dist/test/). */
const PLUGIN_DIR = path.resolve(__dirname, '../..');
const NAME = 'template-codec';

/**
 * Twice: in the peer process, and isolated in a worker thread (what `"isolation": "worker"` in
 * pinhole.config.json does, and the default for a plugin found through `pluginPaths`), where
 * every call crosses to the worker and back.
 */
for (const isolation of ['none', 'worker'] as const)
  describe(`${NAME} ${isolation === 'worker' ? 'isolated in a worker' : 'in the peer process'}`, () => {
    let host: Host;
    before(() => {
      // The repository's plugins plus this one, exactly as `pluginPaths` in pinhole.config.json would add it.
      host = new Host({ config: { plugins: { [NAME]: { isolation } } }, pluginDirs: [PLUGIN_DIR], log: createLogger({ level: 'silent' }) });
    });
    after(() => host.dispose());

    /** The codec as a call finds it: activated by its event, picked by name among every bound Codec. */
    async function codec(): Promise<Codec> {
      const found = (await host.services.loadAll<Codec>(Codec, `onCodec:${NAME}`)).find((c) => c.name === NAME);
      assert.ok(found, `the plugin binds a Codec named ${NAME}`);
      return found;
    }

    it('is discovered with a valid manifest and activates on onCodec:<name>', async () => {
      const p = host.plugins.get(NAME);
      assert.ok(p, 'discovered');
      assert.deepEqual(p.problems, []);
      await codec();
      assert.equal(host.plugins.get(NAME)?.state, 'active');
      assert.equal(host.plugins.get(NAME)?.isolation, isolation);
    });

    // Lossless: the round trip is bit-exact, so the floors are as high as the suite can measure.
    codecCompliance(NAME, { codec, minSnrDb: 90, minCorrelation: 0.9999 });
  });
