import { strict as assert } from 'assert';
import { createLogger, Host, type ManagerServer, type PeerClient } from '@pinhole/core';
import { at, client, exchange, manager, nextIncoming, peerHost } from '../../helpers/peer-host';
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

  it('a peer on one node calls a peer on the other, both ways; the ids are unique across the cluster', async () => {
    managerHost = new Host({
      config: { plugins: { 'manager-server': { options: { directory: 'redis', directoryOptions: { nodes: cluster.nodes, prefix: `cm-${process.pid}` } } } } },
      log: createLogger({ level: 'silent', events: false }),
    });
    managers.push(await manager(managerHost), await manager(managerHost));
    peers = [await peerHost(), await peerHost(), await peerHost()];
    const alice = await client(peers[0].host, 'alice', at(managers[0]));
    const bob = await client(peers[1].host, 'bob', at(managers[1]));
    clients.push(alice, bob);
    await alice.start();
    await bob.start();
    for (const [from, to] of [[alice, bob], [bob, alice]] as const) {
      const incoming = nextIncoming(to);
      const call = await from.call(to.peerId);
      await exchange(call, await incoming);
      await from.hangup(call.callId);
    }
    assert.ok(managers.every((m) => m.stats()['calls.routedOut'] >= 2 && m.stats()['calls.routedIn'] >= 2), 'the calls crossed nodes over the cluster');
    const impostor = await client(peers[2].host, 'bob', at(managers[0]));
    clients.push(impostor);
    await assert.rejects(impostor.start(), { code: 'E_ID_TAKEN' });
  });
});
