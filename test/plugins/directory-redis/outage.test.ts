import { strict as assert } from 'assert';
import { createLogger, type ManagerServer, type PeerClient } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import type { ManagerPeerClient } from '@pinhole/manager-client';
import { until } from '../../helpers/manager';
import { client, exchange, manager, nextIncoming, peerHost, type Ev } from '../../helpers/peer-host';
import { needRedis, startRedis, type RedisServer } from '../../helpers/redis';
import { deletePrefix } from '../../helpers/redis-directory';

const KEEPALIVE_MS = 200;
const EXPIRY_MS = 3000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Managers on a real redis-server that pauses, restarts, or comes back empty: the peers stay
 * registered (no disconnect, no re-registration), the outage is logged once, calls work after.
 */
describe('managers on Redis through a Redis outage', function () {
  this.timeout(40_000);
  let server: RedisServer;
  let managerHost: Host;
  let managerLog: Ev[];
  let peers: Awaited<ReturnType<typeof peerHost>>[];
  const managers: ManagerServer[] = [];
  const clients: PeerClient[] = [];
  let prefix: string;
  let n = 0;

  async function setup(persist: boolean): Promise<{ alice: ManagerPeerClient; bob: ManagerPeerClient }> {
    server = await startRedis({ persist });
    prefix = `outage-${process.pid}-${n++}`;
    managerLog = [];
    managerHost = new Host({
      config: {
        plugins: {
          'manager-server': {
            options: { directory: 'redis', directoryOptions: { url: server.url, prefix, commandTimeoutMs: 500, reconnectMaxMs: 200 }, keepaliveMs: KEEPALIVE_MS, expiryMs: EXPIRY_MS },
          },
        },
      },
      log: createLogger({ json: true, level: 'info', write: (l) => managerLog.push(JSON.parse(l)) }),
    });
    // Two nodes: alice on one, bob on the other, so calls cross the pub/sub bus.
    managers.push(await manager(managerHost), await manager(managerHost));
    peers = [await peerHost(), await peerHost()];
    const alice = await client(peers[0].host, 'alice', managers[0]);
    const bob = await client(peers[1].host, 'bob', managers[1]);
    clients.push(alice, bob);
    await alice.start();
    await bob.start();
    return { alice, bob };
  }

  async function callWorks(alice: PeerClient, bob: PeerClient): Promise<void> {
    const incoming = nextIncoming(bob);
    const call = await alice.call('bob');
    await exchange(call, await incoming);
    await alice.hangup(call.callId);
  }

  const disconnects = () => peers.flatMap((p) => p.events.filter((e) => e.event === 'peer.disconnected' || (e.event === 'peer.registered' && e.reconnected)));
  const lines = (re: RegExp) => managerLog.filter((l) => typeof l.msg === 'string' && re.test(l.msg as string));
  /** Warnings and errors other than the outage's two lines per node: none, however many operations failed. */
  const otherComplaints = () => managerLog.filter((l) => (l.level === 'warn' || l.level === 'error') && !/^lost Redis|is back$/.test(String(l.msg)));

  before(function () {
    needRedis(this, 'the Redis outage tests');
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    for (const m of managers.splice(0)) await m.close();
    await managerHost?.dispose();
    for (const p of peers ?? []) await p.host.dispose();
    if (server) await deletePrefix({ url: server.url }, prefix).catch(() => undefined);
    await server?.destroy();
  });

  it('a hung Redis (SIGSTOP) for most of the expiry drops nobody, is logged once each way, and calls work after', async () => {
    const { alice, bob } = await setup(false);
    await callWorks(alice, bob);
    server.pause();
    await sleep(EXPIRY_MS - 600); // a dozen keep-alives each, all refused by the directory
    server.resume();
    await sleep(EXPIRY_MS); // past the expiry the records had when Redis hung
    assert.deepEqual(disconnects(), [], 'no peer was dropped or re-registered');
    assert.equal(lines(/^lost Redis/).length, 2, 'one line per manager node when the outage starts');
    assert.equal(lines(/is back$/).length, 2, 'and one when it ends');
    assert.ok(managers.every((m) => m.stats()['directory.outages'] === 1 && m.stats()['directory.keepAlivesInOutage'] >= 1));
    assert.equal(managers[0].stats().expired + managers[1].stats().expired, 0);
    assert.deepEqual(otherComplaints(), []);
    await callWorks(alice, bob);
  });

  it('a Redis restart (append-only file kept) drops nobody; the cross-node bus is back after it', async () => {
    const { alice, bob } = await setup(true);
    await server.stop();
    await sleep(800);
    await server.start();
    await until(() => lines(/is back$/).length === 2, 5000, 'both nodes reconnected');
    await sleep(2 * KEEPALIVE_MS);
    assert.deepEqual(disconnects(), []);
    assert.deepEqual(otherComplaints(), []);
    await callWorks(alice, bob);
  });

  it('a Redis that comes back empty: live peers claim their records again at their next keep-alive', async () => {
    const { alice, bob } = await setup(false);
    await server.stop();
    await server.start(); // no persistence: every record is gone
    await until(() => managers.every((m) => m.stats()['registrations.reclaimed'] === 1), 5000, 'both records claimed again');
    assert.deepEqual(disconnects(), []);
    await callWorks(alice, bob);
  });
});
