import { inject, injectable } from 'inversify';
import { Logger, type DirectoryBackend } from '@pinhole/core';
import { KeySpace } from './keys';
import { checkLayout } from './layout';
import { RedisLink } from './link';
import { BACKEND_NAME, RedisDirectoryOptions, resolveOptions } from './options';
import { RedisDirectory } from './redis-directory';

/**
 * The `redis` backend: each create() is one manager node's handle on the shared directory
 * (its own connections). It fails at once, with one line, when the options are wrong or Redis
 * cannot be reached.
 */
@injectable()
export class RedisBackend implements DirectoryBackend {
  readonly name = BACKEND_NAME;

  constructor(
    @inject(Logger) private readonly log: Logger,
    @inject(RedisDirectoryOptions) private readonly options: RedisDirectoryOptions,
  ) {}

  async create(overrides: Record<string, unknown> = {}): Promise<RedisDirectory> {
    const o = resolveOptions(this.options, overrides);
    const log = this.log.child('directory-redis');
    const link = await RedisLink.open(o, log);
    const keys = new KeySpace(o.prefix, o.shards);
    try {
      await checkLayout(link, keys);
    } catch (err) {
      await link.close();
      throw err;
    }
    log.info('directory on Redis', { where: link.where, prefix: o.prefix, shards: o.shards });
    return new RedisDirectory(link, keys, { graceMs: o.graceMs, nameTtlMs: o.nameTtlMs }, log);
  }
}
