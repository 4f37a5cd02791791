import { strict as assert } from 'assert';
import * as sinon from 'sinon';
import { createHooks, createTapApi, PluginError, SignalError, tapErrorCause, type Registration } from '@pinhole/core';

const reg = (): Registration => ({ peerId: 'p', protocolVersion: 1, candidates: [], payloadTypes: [], meta: {} });
const ctx = { side: 'client' as const };

describe('hooks', () => {
  it('is one frozen object holding the four hook points', () => {
    const hooks = createHooks();
    assert.ok(Object.isFrozen(hooks));
    assert.deepEqual(Object.keys(hooks).sort(), ['notify', 'openWindow', 'register', 'stream']);
    assert.throws(() => ((hooks as unknown as Record<string, unknown>).register = null), TypeError);
  });

  it('names each tap after its plugin and orders taps by stage, then by before', async () => {
    const hooks = createHooks();
    const order: string[] = [];
    const add = (id: string, stage?: number, before?: string) =>
      createTapApi(hooks, id).register.tap({ stage, before }, (r) => (order.push(id), r));
    add('late', 10);
    add('default');
    add('early', -10);
    add('jumper', undefined, 'default');
    await hooks.register.promise(reg(), ctx);
    assert.deepEqual(order, ['early', 'jumper', 'default', 'late']);
    assert.deepEqual(hooks.register.taps.map((t) => t.name), ['early', 'jumper', 'default', 'late']);
  });

  it('register is a waterfall: each tap sees the previous result', async () => {
    const hooks = createHooks();
    createTapApi(hooks, 'a').register.tap({}, (r) => ({ ...r, candidates: [{ address: '10.0.0.1', port: 5000, kind: 'host' }] }));
    createTapApi(hooks, 'b').register.tap({}, (r) => ({ ...r, meta: { n: String(r.candidates.length) } }));
    const out = await hooks.register.promise(reg(), ctx);
    assert.equal(out.meta.n, '1');
  });

  it('returns a Disposable that removes the tap (tapable has no untap)', async () => {
    const hooks = createHooks();
    const spy = sinon.spy((r: Registration) => r);
    const d = createTapApi(hooks, 'a').register.tap({}, spy);
    await hooks.register.promise(reg(), ctx);
    d.dispose();
    d.dispose(); // idempotent
    await hooks.register.promise(reg(), ctx);
    assert.equal(spy.callCount, 1);
    assert.equal(hooks.register.taps.length, 0);
  });

  it('tracks every tap through the callback so activation can dispose it', () => {
    const tracked: unknown[] = [];
    createTapApi(createHooks(), 'a', (d) => tracked.push(d)).openWindow.tap({}, () => undefined);
    assert.equal(tracked.length, 1);
  });

  it('rethrows tap errors wrapped with plugin id and hook name, keeping the cause', async () => {
    const hooks = createHooks();
    const refusal = new SignalError('E_REFUSED', 'no strangers');
    createTapApi(hooks, 'auth').register.tap({}, () => {
      throw refusal;
    });
    await assert.rejects(hooks.register.promise(reg(), ctx), (err: unknown) => {
      assert.ok(err instanceof PluginError);
      assert.equal(err.code, 'E_HOOK_TAP_FAILED');
      assert.match(err.message, /plugin "auth" failed in hook "register": no strangers/);
      assert.deepEqual({ plugin: err.details.plugin, hook: err.details.hook, causeCode: err.details.causeCode }, { plugin: 'auth', hook: 'register', causeCode: 'E_REFUSED' });
      assert.equal(tapErrorCause(err), refusal);
      return true;
    });
  });

  it('openWindow is series-bail: the first strategy with a result wins, later ones never run', async () => {
    const hooks = createHooks();
    const third = sinon.spy(() => undefined);
    createTapApi(hooks, 'not-me').openWindow.tap({ stage: -1 }, () => undefined);
    createTapApi(hooks, 'winner').openWindow.tap({}, async () => ({ strategy: 'winner', path: 'direct' as const, remote: { address: '1.2.3.4', port: 9 } }));
    createTapApi(hooks, 'fallback').openWindow.tap({ stage: 5 }, third);
    const res = await hooks.openWindow.promise({} as never);
    assert.equal(res?.strategy, 'winner');
    assert.equal(third.callCount, 0);
  });

  it('notify and stream are keyed maps: taps for one key do not see another', async () => {
    const hooks = createHooks();
    const voice = sinon.spy();
    const ready = sinon.spy();
    createTapApi(hooks, 'v').stream.for('voice').tap({}, voice);
    createTapApi(hooks, 'n').notify.for('ready').tap({}, ready);
    await hooks.stream.for('file').promise({} as never);
    await hooks.notify.for('reject').promise({ kind: 'reject', body: {} });
    assert.equal(voice.callCount + ready.callCount, 0);
    await hooks.stream.for('voice').promise({} as never);
    await hooks.notify.for('ready').promise({ kind: 'ready', body: {} });
    assert.equal(voice.callCount, 1);
    assert.equal(ready.callCount, 1);
  });
});
