import { strict as assert } from 'assert';
import { execFile } from 'child_process';
import { promisify } from 'util';
import { createLogger, type ManagerServer, type PeerClient } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import { until } from '../../helpers/manager';
import { client, exchange, manager, nextIncoming, peerHost } from '../../helpers/peer-host';
import { peerFiles } from '../../helpers/peers';
import { needRedis, startRedisCluster, type RedisCluster } from '../../helpers/redis';

/** Two managers on a 3-master Redis Cluster (sharded pub/sub between them), peers on different nodes. */
describe('managers on a Redis Cluster', function () {
  this.timeout(60_000);
  let cluster: RedisCluster;
  let managerHost: Host;
  let peers: Awaited<ReturnType<typeof peerHost>>[] = [];
  const managers: ManagerServer[] = [];
  const clients: PeerClient[] = [];
  before(async function () {
    needRedis(this, 'the Redis Cluster manager test');
    cluster = await startRedisCluster(3);
  });
  after(async () => {
    for (const c of clients.splice(0)) await c.close();
    for (const m of managers.splice(0)) await m.close();
    await managerHost?.dispose();
    for (const p of peers) await p.host.dispose();
    await cluster?.destroy();
  });

  const callBothWays = async (a: PeerClient, b: PeerClient) => {
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const incoming = nextIncoming(to);
      const call = await from.call(to.peerId);
      await exchange(call, await incoming);
      await from.hangup(call.callId);
    }
  };

  it('a peer on one node calls a peer on the other, both ways; the ids are unique across the cluster', async () => {
    managerHost = new Host({
      config: {
        plugins: {
          'manager-server': {
            options: { directory: 'redis', directoryOptions: { nodes: cluster.nodes, prefix: `cm-${process.pid}`, commandTimeoutMs: 500, reconnectMaxMs: 200 }, keepaliveMs: 200, expiryMs: 4000 },
          },
        },
      },
      log: createLogger({ level: 'silent', events: false }),
    });
    managers.push(await manager(managerHost), await manager(managerHost));
    peers = [await peerHost(), await peerHost(), await peerHost()];
    const alice = await client(peers[0].host, 'alice', managers[0]);
    const bob = await client(peers[1].host, 'bob', managers[1]);
    clients.push(alice, bob);
    await alice.start();
    await bob.start();
    await callBothWays(alice, bob);
    assert.ok(managers.every((m) => m.stats()['calls.routedOut'] >= 2 && m.stats()['calls.routedIn'] >= 2), 'the calls crossed nodes over the cluster');
    const impostor = await client(peers[2].host, 'bob', managers[0], undefined, peerFiles('mallory'));
    clients.push(impostor);
    await assert.rejects(impostor.start(), { code: 'E_ID_TAKEN' });
  });

  it('every master restarted in turn (empty: no persistence): no peer dropped, calls work after', async () => {
    const [alice, bob] = clients;
    const dropped = () => peers.flatMap((p) => p.events.filter((e) => e.event === 'peer.disconnected' || (e.event === 'peer.registered' && e.reconnected)));
    for (const server of cluster.servers) {
      await server.stop();
      await server.start();
      await until(async () => /cluster_state:ok/.test((await promisify(execFile)('redis-cli', ['-p', String(server.port), 'cluster', 'info'])).stdout), 15_000, 'cluster ok again');
    }
    await new Promise((r) => setTimeout(r, 1000)); // a few keep-alives: records lost with a master are claimed again
    assert.deepEqual(dropped(), []);
    await callBothWays(alice, bob);
  });
});
