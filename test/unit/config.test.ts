import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import { FIXTURES, fixtureHost } from '../helpers/fixtures';

function tmpConfig(content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-config-'));
  const file = path.join(dir, 'pinhole.config.json');
  fs.writeFileSync(file, content);
  return file;
}

describe('config', () => {
  it('names the file, the JSON path and the expected form of a fault', () => {
    const file = tmpConfig(JSON.stringify({ plugins: { alpha: { enabled: 'yes' } }, colour: 'red' }));
    assert.throws(() => new Host({ config: file, builtinPlugins: false }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, 'E_CONFIG_INVALID');
      assert.ok(err.message.startsWith(file + ':'));
      assert.match(err.message, /\/plugins\/alpha\/enabled must be boolean/);
      assert.match(err.message, /\/colour is not an allowed property/);
      return true;
    });
  });

  it('reports JSON syntax errors and a missing --config file', () => {
    assert.throws(() => new Host({ config: tmpConfig('{ "plugins": '), builtinPlugins: false }), /E_CONFIG_SYNTAX|not valid JSON/);
    assert.throws(() => new Host({ config: '/nonexistent/pinhole.config.json', builtinPlugins: false }), (e: unknown) => (e as ConfigError).code === 'E_CONFIG_MISSING');
  });

  it('resolves pluginPaths against the config file folder', () => {
    const file = tmpConfig(JSON.stringify({ pluginPaths: [path.join(FIXTURES, 'plugins-basic')] }));
    const host = new Host({ config: file, builtinPlugins: false });
    assert.ok(host.plugins.get('alpha'));
  });

  it('validates plugin options against the schema the plugin contributes', async () => {
    const { host } = fixtureHost('plugins-basic', { plugins: { alpha: { options: { greeting: 42 } } } });
    await assert.rejects(host.start(), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /\/plugins\/alpha\/options\/greeting must be string/);
      assert.match(err.message, /contributes\.configuration of plugin "alpha"/);
      return true;
    });
    assert.equal(host.plugins.get('alpha')!.state, 'failed');
  });

  it('refuses options for a plugin that takes none', async () => {
    const { host } = fixtureHost('plugins-basic', { plugins: { beta: { options: { x: 1 } } } });
    await assert.rejects(host.plugins.activate('beta'), /takes no options/);
  });
});
