import { strict as assert } from 'assert';
import * as sinon from 'sinon';
import { createHooks, PluginError, SignalError, TapError, tapErrorCause, type Registration } from '@pinhole/core';
import { createTapApi } from '@pinhole/core/host';

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

  it('returns a Disposable that removes the tap, through tapable\'s public API only (it has no untap)', async () => {
    const hooks = createHooks();
    const spy = sinon.spy((r: Registration) => r);
    const other = sinon.spy((r: Registration) => r);
    const d = createTapApi(hooks, 'a').register.tap({}, spy);
    createTapApi(hooks, 'b').register.tap({ before: 'a' }, other);
    await hooks.register.promise(reg(), ctx);
    d.dispose();
    d.dispose(); // idempotent
    await hooks.register.promise(reg(), ctx);
    assert.equal(spy.callCount, 1);
    assert.equal(other.callCount, 2, 'the other tap stays');
    assert.deepEqual(hooks.register.taps.map((t) => t.name), ['b']);
    const again = createTapApi(hooks, 'a').register.tap({ stage: -1 }, spy);
    assert.deepEqual(hooks.register.taps.map((t) => t.name), ['a', 'b'], 'order rebuilt from stage and before');
    again.dispose();
  });

  it('tracks every tap and where it went, so activation can dispose it and check it', () => {
    const tracked: string[] = [];
    const api = createTapApi(createHooks(), 'a', (_d, where) => tracked.push(where));
    api.openWindow.for('probe').tap({}, () => undefined);
    api.notify.for('ready').tap({}, () => undefined);
    assert.deepEqual(tracked, ['openWindow:probe', 'notify:ready']);
  });

  it('wraps a tap error once: keeps its code, names plugin and hook, and tapErrorCause gives it back', async () => {
    const hooks = createHooks();
    const refusal = new SignalError('E_REFUSED', 'no strangers', { peer: 'mallory' });
    createTapApi(hooks, 'auth').register.tap({}, () => {
      throw refusal;
    });
    await assert.rejects(hooks.register.promise(reg(), ctx), (err: unknown) => {
      assert.ok(err instanceof TapError && err instanceof PluginError);
      assert.equal(err.code, 'E_REFUSED', 'runners branch on the code without unwrapping');
      assert.match(err.message, /plugin "auth" failed in hook "register": no strangers/);
      assert.deepEqual([err.plugin, err.hook, err.details.peer], ['auth', 'register', 'mallory']);
      assert.equal(tapErrorCause(err), refusal);
      return true;
    });
  });

  it('a tap error without a code is E_HOOK_TAP_FAILED; a nested hook run is not wrapped twice', async () => {
    const hooks = createHooks();
    createTapApi(hooks, 'buggy').notify.for('inner').tap({}, () => {
      throw new TypeError('x is undefined');
    });
    createTapApi(hooks, 'outer').notify.for('outer').tap({}, (n) => hooks.notify.for('inner').promise(n));
    await assert.rejects(hooks.notify.for('outer').promise({ kind: 'outer', body: {} }), (err: unknown) => {
      assert.ok(err instanceof TapError);
      assert.deepEqual([err.code, err.plugin, err.hook], ['E_HOOK_TAP_FAILED', 'buggy', 'notify:inner']);
      assert.ok(tapErrorCause(err) instanceof TypeError);
      return true;
    });
  });

  it('openWindow is keyed by strategy, each series-bail: the first tap with a result wins, later ones never run', async () => {
    const hooks = createHooks();
    const third = sinon.spy(() => undefined);
    const elsewhere = sinon.spy(() => undefined);
    createTapApi(hooks, 'not-me').openWindow.for('s').tap({ stage: -1 }, () => undefined);
    createTapApi(hooks, 'winner').openWindow.for('s').tap({}, async () => ({ strategy: 'winner', path: 'direct' as const, remote: { address: '1.2.3.4', port: 9 } }));
    createTapApi(hooks, 'fallback').openWindow.for('s').tap({ stage: 5 }, third);
    createTapApi(hooks, 'other').openWindow.for('t').tap({}, elsewhere);
    const res = await hooks.openWindow.for('s').promise({} as never);
    assert.equal(res?.strategy, 'winner');
    assert.equal(third.callCount + elsewhere.callCount, 0);
    assert.deepEqual(hooks.openWindow.keys().sort(), ['s', 't']);
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
