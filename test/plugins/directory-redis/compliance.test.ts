import { DirectoryBackend } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import directoryCompliance from '../../compliance/directory';
import { needRedis, startRedis, startRedisCluster } from '../../helpers/redis';
import { redisBackend, redisSetup, silentHost } from '../../helpers/redis-directory';

/** The same suite on one redis-server and on a 3-master Redis Cluster, each started by the test. */
const deployments = [
  { name: 'redis', title: 'one redis-server', start: async () => {
      const s = await startRedis();
      return { where: { url: s.url }, destroy: () => s.destroy() };
    } },
  { name: 'redis cluster', title: 'a 3-master Redis Cluster', start: async () => {
      const c = await startRedisCluster(3);
      return { where: { nodes: c.nodes }, destroy: () => c.destroy() };
    } },
];

for (const deployment of deployments) {
  describe(`directory-redis on ${deployment.title}`, function () {
    this.timeout(60_000);
    let running: Awaited<ReturnType<(typeof deployment)['start']>>;
    let host: Host;
    let backend: DirectoryBackend;
    before(async function () {
      needRedis(this, `the ${deployment.name} directory suite`);
      running = await deployment.start();
      // Silent: one compliance test makes a subscriber throw on purpose, which the backend logs.
      host = silentHost();
      backend = await redisBackend(host);
    });
    after(async () => {
      await host?.dispose();
      await running?.destroy();
    });

    directoryCompliance(deployment.name, redisSetup(() => backend, () => running.where));
  });
}
