import { strict as assert } from 'assert';
import * as path from 'path';
import { Sandbox, SandboxError, type CrashReport } from '@pinhole/sandbox';
import { FIXTURES } from '../helpers/fixtures';

interface CodecApi {
  add(a: number, b: number): number;
  invert(b: Uint8Array): Uint8Array;
  echo(v: unknown): { isBuffer: boolean; type: string; length: number };
  bytes(n: number): Buffer;
  frame(f: { width: number; data: Buffer }): { width: number; isBuffer: boolean; data: Buffer };
  slow(ms: number): Promise<number>;
  refuse(): never;
  spin(): never;
  crash(): string;
  hog(): never;
  leak(): number;
  exit(code: number): never;
  note(v: number): void;
  noted(): number;
}
const MAIN = path.join(FIXTURES, 'sandbox', 'codec.js');
const code = (c: string) => (e: unknown) => e instanceof SandboxError && e.code === c;

describe('sandbox: a module API in a worker thread', function () {
  this.timeout(30000);
  let s: Sandbox<CodecApi>;
  const crashes: CrashReport[] = [];
  beforeEach(async () => {
    crashes.length = 0;
    s = await Sandbox.start<CodecApi>('fixture-codec', MAIN, { callTimeoutMs: 1000, maxHeapMb: 32, backoffMs: 50, onCrash: (c) => crashes.push(c) });
  });
  afterEach(async () => s.close());

  it('calls typed methods with plain data across the boundary', async () => {
    assert.equal(await s.api.add(2, 3), 5);
    assert.deepEqual(Array.from(await s.api.invert(Uint8Array.from([0, 10, 255]))), [255, 245, 0]);
    assert.deepEqual(await Promise.all([s.api.slow(30), s.api.slow(10)]), [30, 10]);
  });

  it('keeps Buffers Buffers and typed arrays their type, both ways; a view carries only its bytes', async () => {
    assert.deepEqual(await s.api.echo(Buffer.from('abc')), { isBuffer: true, type: 'Buffer', length: 3 });
    assert.deepEqual(await s.api.echo(new Int16Array(160)), { isBuffer: false, type: 'Int16Array', length: 160 });
    const big = new Int16Array(1000);
    assert.deepEqual(await s.api.echo(big.subarray(10, 20)), { isBuffer: false, type: 'Int16Array', length: 10 });
    assert.equal(big.length, 1000, 'the caller keeps its buffer (copied, not transferred away)');
    const b = await s.api.bytes(5);
    assert.ok(Buffer.isBuffer(b) && b.equals(Buffer.alloc(5, 7)));
    // One level down in a plain object too (a video frame's data), and the caller's object is left as it was.
    const f = { width: 2, data: Buffer.from([1, 2, 3]) };
    const r = await s.api.frame(f);
    assert.deepEqual([r.width, r.isBuffer, Buffer.isBuffer(r.data), [...r.data]], [2, true, true, [3, 2, 1]]);
    assert.deepEqual([...f.data], [1, 2, 3]);
  });

  it('answers a burst of calls made in one turn, in order, from batched messages', async () => {
    const n = 500;
    const got = await Promise.all(Array.from({ length: n }, (_, i) => s.api.add(i, 1)));
    assert.deepEqual(got, Array.from({ length: n }, (_, i) => i + 1));
    s.send('note', [42]); // one-way, ordered with calls
    assert.equal(await s.api.noted(), 42);
  });

  it('with a batch window, calls wait to share a message; another sandbox without one is not held up', async () => {
    const windowed = await Sandbox.start<CodecApi>('windowed', MAIN, { batchWindowMs: 5 });
    try {
      const got = await Promise.all([windowed.api.add(1, 1), s.api.add(2, 2), windowed.api.add(3, 3)]);
      assert.deepEqual(got, [2, 4, 6]);
      for (let i = 0; i < 20; i++) assert.equal(await s.api.add(i, 0), i); // each flushed at the end of its turn
    } finally {
      await windowed.close();
    }
  });

  it("keeps a module error's code and details (the whole error in `remote`)", async () => {
    await assert.rejects(s.api.refuse(), (e: unknown) => code('E_CODEC_INPUT')(e) && (e as SandboxError).remote?.code === 'E_CODEC_INPUT' && /fixture-codec: input is not a frame/.test((e as Error).message) && (e as SandboxError).remote?.details?.codec === 'x');
  });

  it('an endless loop times out: cause "timeout", the worker is restarted, later calls work', async () => {
    await assert.rejects(s.api.spin(), (e: unknown) => code('E_SANDBOX_CRASHED')(e) && /spin\(\) did not answer within 1000 ms/.test((e as Error).message));
    assert.equal(crashes[0].cause, 'timeout');
    assert.equal(crashes[0].method, 'spin');
    assert.equal(s.epoch, 1);
    assert.equal(await s.api.add(1, 1), 2, 'a call made while it restarts waits for it');
  });

  it('an uncaught error in the worker: cause "error", the host process stays up', async () => {
    // Its answer and the error race across the boundary: either may come first.
    await s.api.crash().catch((e) => assert.ok(e instanceof SandboxError && e.code === 'E_SANDBOX_CRASHED', String(e)));
    while (s.crashes === 0) await new Promise((r) => setTimeout(r, 20));
    assert.equal(s.crashes, 1);
    assert.equal(crashes[0].cause, 'error');
    assert.match(crashes[0].message, /boom from the plugin/);
    assert.equal(await s.api.add(4, 4), 8);
  });

  it('a heap blow-up is contained by the heap limit: cause "heap"', async () => {
    // V8 collects hard before it gives up (1–3 s on a loaded machine): a call timeout must not come first.
    await s.close();
    s = await Sandbox.start<CodecApi>('fixture-codec', MAIN, { callTimeoutMs: 20000, maxHeapMb: 32, backoffMs: 50, onCrash: (c) => crashes.push(c) });
    await assert.rejects(s.api.hog(), code('E_SANDBOX_CRASHED'));
    assert.equal(crashes[0].cause, 'heap', JSON.stringify(crashes[0]));
    assert.equal(await s.api.add(1, 2), 3);
  });

  it('memory held outside the heap (Buffers) past the limit stops the worker too: cause "heap"', async () => {
    const err = await (async () => {
      for (let i = 0; i < 40; i++) {
        await s.api.leak();
        await new Promise((r) => setTimeout(r, 30));
      }
    })().catch((e) => e);
    assert.ok(code('E_SANDBOX_CRASHED')(err), String(err));
    assert.equal(crashes[0].cause, 'heap');
    assert.match(crashes[0].message, /outside its heap/);
  });

  it('process.exit() in the module ends only its worker: cause "exit" with the code', async () => {
    await assert.rejects(s.api.exit(3), code('E_SANDBOX_CRASHED'));
    assert.deepEqual([crashes[0].cause, crashes[0].exitCode], ['exit', 3]);
    assert.equal(await s.api.add(2, 2), 4);
  });

  it('restarts with growing back-off, then gives up after maxRestarts (E_SANDBOX_FAILED)', async () => {
    await s.close();
    s = await Sandbox.start<CodecApi>('fixture-codec', MAIN, { maxRestarts: 2, backoffMs: 40, onCrash: (c) => crashes.push(c) });
    for (let i = 0; i < 3; i++) {
      await assert.rejects(s.api.exit(1), code('E_SANDBOX_CRASHED'));
      if (i < 2) await s.whenReady();
    }
    assert.deepEqual(crashes.map((c) => [c.restartInMs, c.gaveUp]), [[40, false], [80, false], [undefined, true]]);
    assert.equal(s.state, 'failed');
    await assert.rejects(s.api.add(1, 1), (e: unknown) => code('E_SANDBOX_FAILED')(e) && /crashed 3 times/.test((e as Error).message));
  });

  it('refuses arguments that cannot cross (functions) with a clear error, and the others in the batch go through', async () => {
    const [bad, good] = await Promise.allSettled([s.call('add', [() => 1, 2]), s.api.add(5, 5)]);
    assert.ok(bad.status === 'rejected' && code('E_SANDBOX_ARGS')(bad.reason), String((bad as PromiseRejectedResult).reason));
    assert.deepEqual(good, { status: 'fulfilled', value: 10 });
  });

  it('a module without sandboxApi, one whose setup fails, and one that never loads fail to start with the reason', async () => {
    await assert.rejects(Sandbox.start('bad', path.join(FIXTURES, 'sandbox', 'no-api.js')), (e: unknown) => code('E_SANDBOX_LOAD')(e) && /exports no sandboxApi/.test((e as Error).message));
    const fails = path.join(FIXTURES, 'sandbox', 'async-api.js');
    await assert.rejects(Sandbox.start('setup', fails, { data: { fail: 'no key' } }), (e: unknown) => code('E_SANDBOX_LOAD')(e) && /setup refused: no key/.test((e as Error).message));
    const ok = await Sandbox.start<{ greeting(): string }>('setup', fails, { data: { name: 'worker' } });
    assert.equal(await ok.api.greeting(), 'hello worker');
    await ok.close();
    await assert.rejects(Sandbox.start('hang', path.join(FIXTURES, 'sandbox', 'hang.js'), { startTimeoutMs: 500 }), (e: unknown) => code('E_SANDBOX_LOAD')(e) && /did not start .* within 500 ms/.test((e as Error).message));
  });
});
