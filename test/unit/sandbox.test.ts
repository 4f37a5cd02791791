import { strict as assert } from 'assert';
import * as path from 'path';
import { PluginError } from '@pinhole/core';
import { Sandbox } from '@pinhole/sandbox';
import { FIXTURES } from '../helpers/fixtures';

interface CodecApi {
  add(a: number, b: number): number;
  invert(b: Uint8Array): Uint8Array;
  slow(ms: number): Promise<number>;
  refuse(): never;
  spin(): never;
  crash(): string;
  hog(): never;
}
const MAIN = path.join(FIXTURES, 'sandbox', 'codec.js');
const code = (c: string) => (e: unknown) => e instanceof PluginError && e.code === c;

describe('sandbox: plugin API in a worker thread', function () {
  this.timeout(20000);
  let s: Sandbox<CodecApi>;
  beforeEach(async () => (s = await Sandbox.start<CodecApi>('fixture-codec', MAIN, { callTimeoutMs: 1000, maxHeapMb: 32 })));
  afterEach(async () => s.close());

  it('calls typed methods with plain data across the boundary', async () => {
    assert.equal(await s.api.add(2, 3), 5);
    assert.deepEqual(Array.from(await s.api.invert(Uint8Array.from([0, 10, 255]))), [255, 245, 0]);
    assert.deepEqual(await Promise.all([s.api.slow(30), s.api.slow(10)]), [30, 10]);
  });

  it("keeps a plugin error's code and names the plugin", async () => {
    await assert.rejects(s.api.refuse(), (e: unknown) => code('E_CODEC_INPUT')(e) && /plugin "fixture-codec": input is not a frame/.test((e as Error).message));
  });

  it('an endless loop times out, the worker is restarted, and later calls work', async () => {
    await assert.rejects(s.api.spin(), code('E_SANDBOX_TIMEOUT'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await s.api.add(1, 1), 2);
  });

  it('a crash rejects with E_SANDBOX_CRASHED and the host process stays up', async () => {
    await s.api.crash();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(s.crashes, 1);
    assert.equal(await s.api.add(4, 4), 8);
  });

  it('a heap blow-up is contained by the worker memory limit', async () => {
    await assert.rejects(s.api.hog(), (e: unknown) => e instanceof PluginError && /E_SANDBOX_(CRASHED|RESTARTED|TIMEOUT)/.test(e.code));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await s.api.add(1, 2), 3);
  });

  it('refuses arguments that cannot cross (functions) with a clear error', async () => {
    await assert.rejects(s.call('add', [() => 1, 2]), code('E_SANDBOX_ARGS'));
  });

  it('a module without sandboxApi fails to start with the reason', async () => {
    await assert.rejects(Sandbox.start('bad', path.join(FIXTURES, 'sandbox', 'no-api.js')), (e: unknown) => code('E_SANDBOX_LOAD')(e) && /exports no sandboxApi/.test((e as Error).message));
  });
});
