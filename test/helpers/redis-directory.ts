import { strict as assert } from 'assert';
import Redis, { Cluster } from 'ioredis';
import { createLogger, DirectoryBackend, type Directory, type Logger } from '@pinhole/core';
import { Host } from '@pinhole/core/host';
import type { RedisDirectory } from '@pinhole/directory-redis';
import type { DirectorySetup } from '../compliance/directory';

/** A backend exactly as the manager finds it: activated by its event, picked by name. */
export async function backendNamed(host: Host, name: string): Promise<DirectoryBackend> {
  const backend = (await host.services.loadAll<DirectoryBackend>(DirectoryBackend, `onDirectory:${name}`)).find((b) => b.name === name);
  assert.ok(backend, `a plugin binds a DirectoryBackend named "${name}"`);
  return backend;
}

export const redisBackend = (host: Host) => backendNamed(host, 'redis');

export function silentHost(log: Logger = createLogger({ level: 'silent' })): Host {
  return new Host({ config: {}, builtinPlugins: true, log });
}

/** Deletes every key under `prefix` on a server or on every master of a cluster. */
export async function deletePrefix(where: { url?: string; nodes?: string[] }, prefix: string): Promise<void> {
  const client = where.nodes ? new Cluster(where.nodes.map((n) => ({ host: n.split(':')[0], port: Number(n.split(':')[1]) }))) : new Redis(where.url!);
  try {
    const servers = client instanceof Cluster ? client.nodes('master') : [client];
    for (const s of servers) {
      let cursor = '0';
      do {
        const [next, keys] = await s.scan(cursor, 'MATCH', `{${prefix}[:}]*`, 'COUNT', 1000);
        cursor = next;
        for (const k of keys) await s.del(k); // one by one: keys of different slots
      } while (cursor !== '0');
    }
  } finally {
    client.disconnect();
  }
}

/**
 * The compliance setup for one Redis deployment: a fresh prefix per create() (isolated tables
 * on one server), its keys deleted after each test, and connect() = another node's handle.
 */
export function redisSetup(backend: () => DirectoryBackend, where: () => { url?: string; nodes?: string[] }): DirectorySetup {
  let n = 0;
  const run = `c${process.pid}-${Date.now().toString(36)}`;
  return {
    create: (options = {}) => backend().create({ ...where(), ...options, prefix: `${run}-${n++}` }),
    connect: (d: Directory) => backend().create({ ...where(), prefix: (d as unknown as RedisDirectory).prefix }),
    teardown: (d: Directory) => deletePrefix(where(), (d as unknown as RedisDirectory).prefix),
  };
}
