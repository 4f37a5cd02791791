import { strict as assert } from 'assert';
import * as path from 'path';
import { checkEngine } from '@pinhole/core/host';
import satisfies = require('semver/functions/satisfies');
import validRange = require('semver/ranges/valid');
import { FIXTURES, fixtureHost } from '../helpers/fixtures';

describe('manifests', () => {
  const { host, probe } = fixtureHost('plugins-bad');
  const byId = (id: string) => host.plugins.get(id)!;
  const codes = (id: string) => byId(id).problems.map((p) => `${p.code} ${p.path}`);

  it('reports unreadable JSON for that plugin alone', () => {
    assert.equal(byId('bad-json').state, 'invalid');
    assert.deepEqual(codes('bad-json'), ['E_MANIFEST_UNREADABLE /']);
    assert.match(byId('bad-json').problems[0].message, /fix the JSON syntax/);
  });

  it('reports schema faults with the JSON path', () => {
    assert.deepEqual(codes('bad-schema'), ['E_MANIFEST_INVALID /version']);
  });

  it('each contribution point validates its own entry; unknown points are named', () => {
    assert.deepEqual(codes('bad-contrib').sort(), ['E_CONTRIBUTION_UNKNOWN /contributes/widgets', 'E_MANIFEST_INVALID /contributes/codecs/1/name']);
  });

  it('checks engines.pinhole against the core version', () => {
    assert.deepEqual(codes('bad-engine'), ['E_ENGINE_MISMATCH /engines/pinhole']);
    assert.match(byId('bad-engine').problems[0].message, /needs Pinhole \^9\.0\.0 but this core is 0\.1\.0/);
  });

  it('reports a dependency cycle on every plugin in it', () => {
    for (const id of ['cyc-a', 'cyc-b']) {
      assert.deepEqual(codes(id), ['E_DEPENDENCY_CYCLE /pinhole/dependencies']);
      assert.match(byId(id).problems[0].message, /cyc-a -> cyc-b -> cyc-a|cyc-b -> cyc-a -> cyc-b/);
    }
  });

  it('reports a missing dependency by name', () => {
    assert.deepEqual(codes('missing-dep'), ['E_DEPENDENCY_MISSING /pinhole/dependencies']);
    assert.match(byId('missing-dep').problems[0].message, /depends on "nope", which is not installed/);
  });

  it('still loads and activates the good plugin', async () => {
    assert.equal(byId('good').state, 'inactive');
    await host.start();
    assert.equal(byId('good').state, 'active');
    assert.equal(probe.activated.callCount, 0); // the fixture does not use the probe
  });

  it('flags a second plugin with the same id', () => {
    const { host: h } = fixtureHost('plugins-basic', {}, { pluginDirs: [path.join(FIXTURES, 'plugins-basic'), path.join(FIXTURES, 'plugins-dup')] });
    const dup = h.plugins.list().find((p) => p.problems.some((x) => x.code === 'E_PLUGIN_DUPLICATE'));
    assert.ok(dup, 'duplicate reported');
    assert.equal(h.plugins.get('alpha')!.state, 'inactive');
  });

  it('decides engines ranges exactly as semver does (the fast path for plain ranges, semver for the rest)', () => {
    const versions = ['0.0.0', '0.0.3', '0.0.4', '0.1.0', '0.1.9', '0.2.0', '1.0.0', '1.2.3', '1.9.9', '2.0.0', '10.20.30', '1.0.0-rc.1'];
    const ranges = ['*', '', 'x', '0.1.0', '=0.1.0', 'v1.2.3', '^0.0.3', '^0.1.0', '^1.2.3', '^0.0.0', '~0.1.0', '~1.2.3', '>=0.1.0', '>= 1.2.3', ' ^1.2.3 ', '>=0.1.0 <1.0.0', '1.x', '^1.2', 'not a range', '^1.0.0-rc.0'];
    for (const v of versions)
      for (const r of ranges) {
        const expected = !validRange(r) ? 'invalid' : satisfies(v, r, { includePrerelease: true }) ? 'ok' : 'mismatch';
        assert.equal(checkEngine(v, r), expected, `core ${v}, range "${r}"`);
      }
  });
});
