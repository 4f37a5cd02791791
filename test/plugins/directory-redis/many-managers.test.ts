import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NdjsonProc } from '@pinhole/lab';
import { peerFiles } from '../../helpers/peers';
import { freePort, needRedis, startRedis, type RedisServer } from '../../helpers/redis';

const BIN = path.resolve(__dirname, '..', '..', '..', '..', 'core', 'bin', 'pinhole.js');
// Long enough that a loaded machine's stall (an unanswered keep-alive waits half an interval) is not taken for a dead node.
const KEEPALIVE_MS = 3000;
/** A peer process's own key and pins (the managers' shared certificate is pinned on first contact). */
const identity = (id: string) => ['--identity', peerFiles(id).identity, '--known-peers', peerFiles(id).knownPeers];

/** The `n`-th event named `name` (1-based), waiting up to `timeoutMs`. */
async function nth(p: NdjsonProc, name: string, n: number, timeoutMs: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = p.events.filter((e) => e.event === name);
    if (found.length >= n) return found[n - 1];
    if (Date.now() > deadline) throw new Error(`no ${name} #${n} within ${timeoutMs} ms; events: ${JSON.stringify(p.events.slice(-5))}; stderr: ${p.stderr.slice(-3).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The whole story with real processes: two `pinhole manager` nodes on one redis-server, a
 * `pinhole peer` registered on node 1 that lists both, `pinhole call` through node 2, node 1
 * hanging (and then killed), the peer failing over, and both nodes restarted with the name
 * still held.
 */
describe('pinhole manager ×2 on one Redis: cross-node calls, failover, restarts', function () {
  this.timeout(120_000);
  let server: RedisServer;
  let dir: string;
  let cfg: string;
  const procs: NdjsonProc[] = [];
  const pinhole = (args: string[]) => {
    const p = new NdjsonProc(spawn(process.execPath, [BIN, ...args, '--json', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] }));
    procs.push(p);
    return p;
  };
  let callers = 0;
  /** A fresh caller each time: a caller that could not say Bye (reconnecting as it closed) holds its id until expiry. */
  const call = async (via: string) => {
    const id = `alice-${++callers}`;
    const c = pinhole(['call', 'bob', '--id', id, '--manager', via, '--pings', '2', '--timeout', '8000', ...identity(id)]);
    const code = await c.exited;
    assert.equal(code, 0, `pinhole call via ${via} failed: ${JSON.stringify(c.events.find((e) => e.event === 'call.failed'))} ${c.stderr.join(' | ')}`);
    return c.events.find((e) => e.event === 'call.ready')!;
  };

  before(async function () {
    needRedis(this, 'the many-managers end-to-end test');
    server = await startRedis({ persist: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-nodes-'));
    cfg = path.join(dir, 'pinhole.config.json');
    fs.writeFileSync(
      cfg,
      JSON.stringify({
        plugins: {
          'manager-server': { options: { directory: 'redis', directoryOptions: { url: server.url, prefix: `e2e-${process.pid}` }, keepaliveMs: KEEPALIVE_MS, expiryMs: 4 * KEEPALIVE_MS } },
          'manager-client': { options: { reconnectMinMs: 100, reconnectMaxMs: 1000, connectTimeoutMs: 2000 } },
        },
      }),
    );
  });
  after(async () => {
    for (const p of procs.reverse()) {
      p.child.kill('SIGCONT');
      await p.stop();
    }
    await server?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('peer on node 1, call via node 2; node 1 dies and the peer fails over within two keep-alives; both restart and the name is still held', async () => {
    const ports = [await freePort(), await freePort()];
    const at = ports.map((p) => `127.0.0.1:${p}`);
    const node = (i: number) => pinhole(['manager', '--listen', at[i], '--udp', '127.0.0.1:0']);
    // One after the other: the first makes the self-signed certificate both serve (one pin for the deployment).
    const startBoth = async () => {
      const first = node(0);
      const r0 = await first.waitFor('manager.ready', 20_000);
      const second = node(1);
      return { nodes: [first, second], ready: [r0, await second.waitFor('manager.ready', 20_000)] };
    };
    let { nodes, ready } = await startBoth();
    assert.equal(ready[0].pin, ready[1].pin, 'the nodes share one certificate');
    for (const r of ready) {
      assert.equal(r.directory, 'redis');
      assert.match(String(r.node), /^[0-9a-f]{16}$/);
    }
    assert.notEqual(ready[0].node, ready[1].node);

    const bob = pinhole(['peer', '--id', 'bob', '--manager', at.join(','), '--udp-host', '127.0.0.1', '--allow-any', ...identity('bob')]);
    assert.equal((await nth(bob, 'peer.registered', 1, 20_000)).manager, at[0]);

    const first = await call(at[1]);
    assert.equal(first.peer, 'bob');
    assert.equal(first.path, 'direct');
    assert.equal((await nth(bob, 'call.ready', 1, 5000)).peer, 'alice-1');

    // Node 1 hangs: its sockets stay open, nothing answers. Only the keep-alive can tell.
    assert.equal(bob.events.filter((e) => e.event === 'peer.registered').length, 1, 'bob stayed on node 1 until now');
    nodes[0].child.kill('SIGSTOP');
    const hungAt = Date.now();
    const moved = await nth(bob, 'peer.registered', 2, 4 * KEEPALIVE_MS);
    const tookMs = Date.now() - hungAt;
    assert.equal(moved.manager, at[1]);
    assert.equal(moved.failover, true);
    assert.ok(tookMs <= 2 * KEEPALIVE_MS, `failover took ${tookMs} ms, more than two keep-alive intervals (${2 * KEEPALIVE_MS} ms)`);
    nodes[0].child.kill('SIGKILL');
    await nodes[0].exited;

    const second = await call(at[1]);
    assert.equal(second.path, 'direct');

    // Both nodes go down and come back on their ports.
    await nodes[1].stop();
    const stopped = nodes[1].events.find((e) => e.event === 'manager.stopped')!;
    assert.equal(stopped.node, ready[1].node);
    assert.equal(stopped.directory, 'redis');
    assert.ok((stopped['registrations.reregistered'] as number) >= 1, 'bob re-registered here with its secret');
    assert.ok((stopped['calls.callRequests'] as number) >= 2);
    ({ nodes } = await startBoth());
    await nth(bob, 'peer.registered', 3, 20_000);
    const third = await call(at[0]);
    assert.equal(third.path, 'direct');

    // bob leaves (Bye: its record goes); the name stays bound to its key on every node.
    await bob.stop();
    for (const where of at) {
      const intruder = pinhole(['peer', '--id', 'bob', '--manager', where, '--udp-host', '127.0.0.1', ...identity('mallory')]);
      assert.equal(await intruder.exited, 1);
      assert.equal(intruder.events.find((e) => e.event === 'error')?.code, 'E_ID_TAKEN');
    }
    const back = pinhole(['peer', '--id', 'bob', '--manager', at[1], '--udp-host', '127.0.0.1', '--allow-any', ...identity('bob')]);
    assert.equal((await nth(back, 'peer.registered', 1, 20_000)).id, 'bob', 'its own key takes it back');
  });

  it('an unknown backend or an unreachable Redis stops the manager at start with one line', async () => {
    const unknown = path.join(dir, 'unknown.json');
    fs.writeFileSync(unknown, JSON.stringify({ plugins: { 'manager-server': { options: { directory: 'mongo' } } } }));
    const port = await freePort(); // nothing listens there
    const unreachable = path.join(dir, 'unreachable.json');
    fs.writeFileSync(unreachable, JSON.stringify({ plugins: { 'manager-server': { options: { directory: 'redis', directoryOptions: { url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 1000 } } } } }));
    for (const [file, code, text] of [
      [unknown, 'E_DIRECTORY_UNKNOWN', /no directory backend "mongo" \(installed: memory, redis\)/],
      [unreachable, 'E_DIRECTORY_UNREACHABLE', new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\); start redis-server or fix`)],
    ] as const) {
      const p = new NdjsonProc(spawn(process.execPath, [BIN, 'manager', '--listen', '127.0.0.1:0', '--udp', '127.0.0.1:0', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] }));
      procs.push(p);
      const started = Date.now();
      assert.equal(await p.exited, 1);
      assert.ok(Date.now() - started < 10_000);
      assert.equal(p.stderr.length, 1, `exactly one line: ${p.stderr.join('\n')}`);
      assert.match(p.stderr[0], new RegExp(`^pinhole: ${code}: `));
      assert.match(p.stderr[0], text);
    }
  });
});
