import { strict as assert } from 'assert';
import { PluginError, type Registration } from '@pinhole/core';
import { fixtureHost } from '../helpers/fixtures';

const reg = (): Registration => ({ peerId: 'p', protocolVersion: 1, candidates: [], payloadTypes: [], meta: {} });

describe('activation', () => {
  it('orders plugins by pinhole.dependencies', () => {
    const { host } = fixtureHost('plugins-basic');
    const order = host.plugins.loadOrder();
    assert.ok(order.indexOf('alpha') < order.indexOf('beta'));
    assert.ok(order.indexOf('beta') < order.indexOf('delta'));
  });

  it('activates lazily: onStartup first, the rest only on their event', async () => {
    const { host, probe } = fixtureHost('plugins-basic');
    assert.equal(host.plugins.get('alpha')!.state, 'inactive');
    await host.start();
    assert.deepEqual(probe.activated.args.map((a) => a[0]), ['alpha']);
    assert.equal(host.plugins.get('beta')!.state, 'inactive');
    await host.plugins.activateByEvent('onPayload:test');
    assert.deepEqual(probe.activated.args.map((a) => a[0]), ['alpha', 'beta', 'delta']);
    assert.equal(host.plugins.get('delta')!.state, 'active');
    assert.ok(host.plugins.get('delta')!.activationMs! >= 0);
    await host.dispose();
  });

  it('activating a plugin activates its dependencies first', async () => {
    const { host, probe } = fixtureHost('plugins-basic');
    await host.plugins.activate('delta');
    assert.deepEqual(probe.activated.args.map((a) => a[0]), ['alpha', 'beta', 'delta']);
    await host.dispose();
  });

  it('binds a plugin ContainerModule while active and unloads exactly it on deactivate', async () => {
    const { host } = fixtureHost('plugins-basic');
    const Greeter = Symbol.for('fixture.Greeter');
    const missing = (e: unknown) => (e as PluginError).code === 'E_SERVICE_MISSING' && /Greeter/.test((e as Error).message);
    await assert.rejects(host.services.load(Greeter), missing);
    await host.plugins.activate('delta');
    assert.equal((await host.services.load<{ greet(): string }>(Greeter)).greet(), 'hello from delta');
    await host.dispose();
    await assert.rejects(host.services.load(Greeter), missing);
  });

  it('deactivates in reverse order and disposes subscriptions and taps', async () => {
    const { host, probe } = fixtureHost('plugins-basic');
    await host.plugins.activateByEvent('onPayload:test');
    const before = await host.hooks.register.promise(reg(), { side: 'client' });
    assert.equal(before.meta.order, 'beta;alpha;'); // beta taps at stage -10, alpha at 10
    await host.dispose();
    assert.deepEqual(probe.disposed.args.map((a) => a[0]), ['delta', 'beta', 'alpha']);
    assert.ok(probe.disposed.calledAfter(probe.activated));
    assert.equal(host.hooks.register.taps.length, 0);
    assert.equal(host.plugins.get('alpha')!.state, 'inactive');
  });

  it('passes validated options with defaults to activate()', async () => {
    const a = fixtureHost('plugins-basic');
    await a.host.start();
    assert.deepEqual(a.probe.activated.firstCall.args[1], { greeting: 'hi' });
    const b = fixtureHost('plugins-basic', { plugins: { alpha: { options: { greeting: 'hej' } } } });
    await b.host.start();
    assert.deepEqual(b.probe.activated.firstCall.args[1], { greeting: 'hej' });
  });

  it('a failing activate() marks that plugin failed, wraps the error, and leaves others running', async () => {
    const { host } = fixtureHost('plugins-basic');
    await host.start();
    await assert.rejects(host.plugins.activateByEvent('onCodec:fake'), (err: unknown) => {
      assert.ok(err instanceof PluginError);
      assert.match((err as Error).message, /plugin "gamma" failed to activate: gamma cannot find its sound card/);
      return true;
    });
    assert.equal(host.plugins.get('gamma')!.state, 'failed');
    assert.equal(host.plugins.get('alpha')!.state, 'active');
  });

  it('contributed commands imply onCommand and run through the registry', async () => {
    const { host, probe } = fixtureHost('plugins-basic');
    assert.ok(host.plugins.get('alpha')!.activationEvents.includes('onCommand:alpha-hello'));
    await host.plugins.activateByEvent('onCommand:alpha-hello');
    assert.equal(host.commands.get('alpha-hello')?.owner, 'alpha');
    const code = await host.commands.get('alpha-hello')!.contribution.run([], {} as never);
    assert.equal(code, 0);
    assert.equal(probe.command.callCount, 1);
    await host.dispose();
    assert.equal(host.commands.get('alpha-hello'), undefined);
  });

  it('a disabled plugin is listed but never activated', async () => {
    const { host, probe } = fixtureHost('plugins-basic', { plugins: { alpha: { enabled: false } } });
    await host.start();
    assert.equal(probe.activated.callCount, 0);
    assert.equal(host.plugins.get('alpha')!.state, 'disabled');
    await assert.rejects(host.plugins.activate('beta'), /plugin "beta" cannot be activated: .*depends on "alpha", which is disabled in the config/);
  });

  it('an unknown plugin id is a clear error', async () => {
    const { host } = fixtureHost('plugins-basic');
    await assert.rejects(host.plugins.activate('nope'), /no plugin "nope" is installed/);
  });

  it('a plugin in the old shape is told what changed (E_PLUGIN_SHAPE), not crashed', async () => {
    const { host } = fixtureHost('plugins-old-shape');
    await assert.rejects(host.plugins.activate('old-constant'), (e: PluginError) => e.code === 'E_PLUGIN_SHAPE' && /export a function containerModule\(ctx/.test(e.message));
    await assert.rejects(host.plugins.activate('old-context'), (e: PluginError) => e.code === 'E_PLUGIN_SHAPE' && /PluginContext\.container, which is gone: bind in containerModule/.test(e.message));
    assert.equal(host.plugins.get('old-context')!.state, 'failed');
  });
});
