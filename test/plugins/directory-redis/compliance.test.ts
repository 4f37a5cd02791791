import { DirectoryBackend, Host } from '@pinhole/core';
import directoryCompliance from '../../compliance/directory';
import { needRedis, startRedis, startRedisCluster, type RedisCluster, type RedisServer } from '../../helpers/redis';
import { redisBackend, redisSetup, silentHost } from '../../helpers/redis-directory';

describe('directory-redis on one redis-server', function () {
  this.timeout(30_000);
  let server: RedisServer;
  let host: Host;
  let backend: DirectoryBackend;
  before(async function () {
    needRedis(this, 'the redis directory suite');
    server = await startRedis();
    // Silent: one compliance test makes a subscriber throw on purpose, which the backend logs.
    host = silentHost();
    backend = await redisBackend(host);
  });
  after(async () => {
    await host?.dispose();
    await server?.destroy();
  });

  directoryCompliance('redis', redisSetup(() => backend, () => ({ url: server.url })));
});

describe('directory-redis on a 3-master Redis Cluster', function () {
  this.timeout(60_000);
  let cluster: RedisCluster;
  let host: Host;
  let backend: DirectoryBackend;
  before(async function () {
    needRedis(this, 'the redis cluster directory suite');
    cluster = await startRedisCluster(3);
    host = silentHost();
    backend = await redisBackend(host);
  });
  after(async () => {
    await host?.dispose();
    await cluster?.destroy();
  });

  directoryCompliance('redis cluster', redisSetup(() => backend, () => ({ nodes: cluster.nodes })));
});
