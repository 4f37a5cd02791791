import { strict as assert } from 'assert';
import { InOrder } from '@pinhole/payload-voice';

const later = <T>(v: T, ms: number) => new Promise<T>((r) => setTimeout(() => r(v), ms));

describe('payload-voice InOrder: codec results used in call order, whether ready or promised', () => {
  it('uses a ready result at once when nothing is ahead of it (an in-process codec runs as if synchronous)', () => {
    const used: number[] = [];
    const q = new InOrder(() => assert.fail('no error'));
    q.push(1, (v) => used.push(v));
    q.push(2, (v) => used.push(v));
    assert.deepEqual(used, [1, 2]);
  });

  it('keeps the order when promised results resolve out of order, and ready ones queue behind them', async () => {
    const used: number[] = [];
    const q = new InOrder(() => assert.fail('no error'));
    q.push(later(1, 30), (v) => used.push(v));
    q.push(later(2, 5), (v) => used.push(v));
    q.push(3, (v) => used.push(v));
    assert.equal(used.length, 0, 'nothing jumps the queue');
    await q.idle();
    assert.deepEqual(used, [1, 2, 3]);
    q.push(4, (v) => used.push(v));
    assert.deepEqual(used, [1, 2, 3, 4], 'ready again once the queue is empty');
  });

  it('a rejection is reported once and stops the line; close() drops what is still to come', async () => {
    const errors: unknown[] = [];
    const used: number[] = [];
    const q = new InOrder((e) => errors.push(e));
    q.push(later(1, 5), (v) => used.push(v));
    q.push(Promise.reject(new Error('plugin crashed')), (v: number) => used.push(v));
    q.push(later(3, 1), (v) => used.push(v));
    await q.idle();
    assert.deepEqual(used, [1]);
    assert.equal(errors.length, 1);
    assert.match((errors[0] as Error).message, /plugin crashed/);
    const closed = new InOrder(() => assert.fail('no error after close'));
    closed.push(later(1, 5), (v) => used.push(v));
    closed.close();
    closed.push(Promise.reject(new Error('late')), () => undefined);
    await closed.idle();
    assert.deepEqual(used, [1]);
  });
});
