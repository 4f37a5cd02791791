import { strict as assert } from 'assert';
import { PassThrough } from 'stream';
import * as sinon from 'sinon';
import { createLogger, PinholeError } from '@pinhole/core';
import type { FileSent } from '@pinhole/core';
import type { PayloadProgress } from '@pinhole/core';
import { ProgressView } from '@pinhole/payload-file';

type Event = Record<string, unknown> & { event: string };
const offer = (total: number): PayloadProgress => ({ direction: 'send', name: 'big.iso', phase: 'offer', bytes: 0, total, resumedFrom: 0 });
const moved = (bytes: number, total: number, resumedFrom = 0): PayloadProgress => ({ direction: 'send', name: 'big.iso', phase: 'transfer', bytes, total, resumedFrom });
const result = (total: number): FileSent => ({ path: '/x/big.iso', name: 'big.iso', bytes: total, hash: 'ab'.repeat(32), resumedFrom: 0, transferred: total, wireBytes: total, seconds: 2, MBps: total / 2e6, streams: 1 });

function capture(json: boolean) {
  const events: Event[] = [];
  const lines: string[] = [];
  const log = createLogger({ json, level: 'silent', write: (line) => (json ? events.push(JSON.parse(line)) : lines.push(line)) });
  return { log, events, lines };
}

describe('payload-file progress display', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['Date'] })));
  afterEach(() => clock.restore());

  it('--json: file.progress at most ~4 per second however often bytes move, with rate and ETA', () => {
    const { log, events } = capture(true);
    const view = new ProgressView({ log, json: true, bar: false, peer: 'bob' });
    const total = 100e6;
    view.progress(offer(total));
    for (let ms = 0; ms <= 2000; ms += 5) {
      view.progress(moved(Math.round((total * ms) / 4000), total));
      clock.tick(5);
    }
    view.done('send', result(total));
    const progress = events.filter((e) => e.event === 'file.progress');
    assert.ok(progress.length >= 7 && progress.length <= 9, `${progress.length} progress events over 2 s`);
    const last = progress[progress.length - 1];
    assert.equal(last.total, total);
    assert.ok(Math.abs((last.MBps as number) - 25) < 1, `MBps ${last.MBps}`);
    assert.ok(Math.abs((last.etaSeconds as number) - 2) < 0.3, `eta ${last.etaSeconds}`);
    assert.deepEqual([events[0].event, events[events.length - 1].event], ['file.offer', 'file.done']);
    assert.equal(events[0].peer, 'bob');
    assert.equal(events[events.length - 1].hash, 'ab'.repeat(32));
  });

  it('plain output off a terminal: only file.offer, file.done and file.failed lines — no progress noise', () => {
    const { log, lines } = capture(false);
    const view = new ProgressView({ log, json: false, bar: false });
    view.progress(offer(1000));
    for (let i = 1; i <= 100; i++) {
      view.progress(moved(i * 10, 1000));
      clock.tick(100);
    }
    view.done('send', result(1000));
    view.progress(offer(5));
    view.failed('send', 'big.iso', new PinholeError('E_FILE_EXISTS', 'big.iso already exists in the inbox'));
    assert.deepEqual(lines.map((l) => l.split(' ')[0]), ['file.offer', 'file.done', 'file.offer', 'file.failed']);
    assert.match(lines[3], /code=E_FILE_EXISTS/);
  });

  it('on a terminal: a cli-progress bar with bytes, rate and ETA, stopped when the file is done', async () => {
    clock.restore();
    const out = new PassThrough();
    let drawn = '';
    out.on('data', (c) => (drawn += c.toString()));
    const view = new ProgressView({ bar: true, stream: out });
    view.progress(offer(10e6));
    view.progress(moved(2e6, 10e6));
    await new Promise((r) => setTimeout(r, 120));
    view.progress(moved(5e6, 10e6));
    await new Promise((r) => setTimeout(r, 300));
    view.done('send', result(10e6));
    view.stop();
    assert.match(drawn, /↑ big\.iso \|[█░=\- ]+\| \d+% 5\.00 MB\/10\.0 MB [\d.]+ MB\/s ETA \S+/);
  });
});
