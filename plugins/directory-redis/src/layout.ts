import { DirectoryError } from '@pinhole/core';
import type { KeySpace } from './keys';
import type { RedisLink } from './link';
import { BACKEND_NAME } from './options';

/**
 * Records are placed by `shards`; a node with another count would look in the wrong buckets.
 * The first node to start under a prefix writes its count; every later one must match it.
 */
export async function checkLayout(link: RedisLink, keys: KeySpace): Promise<void> {
  await link.cmd.hsetnx(keys.layout, 'shards', String(keys.shards));
  const stored = Number(await link.cmd.hget(keys.layout, 'shards'));
  if (stored !== keys.shards)
    throw DirectoryError.LAYOUT(
      BACKEND_NAME,
      `prefix "${keys.prefix}" holds a directory made with shards ${stored}, this node has shards ${keys.shards}; use the same shards on every node (or another prefix)`,
    );
}
