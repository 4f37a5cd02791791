import { inject, injectable } from 'inversify';
import { Logger, type DirectoryBackend, type DirectoryOptions } from '@pinhole/core';
import { MemoryDirectory } from './memory-directory';

export const MEMORY_BACKEND_NAME = 'memory';

/**
 * The `memory` backend: each create() is a new, empty table for one manager node. Of the
 * options it reads `nameTtlMs` (how long an unused name stays bound to its key).
 */
@injectable()
export class MemoryBackend implements DirectoryBackend {
  readonly name = MEMORY_BACKEND_NAME;
  private readonly log: Logger;

  constructor(@inject(Logger) log: Logger) {
    this.log = log.child('directory-memory');
  }

  async create(options: DirectoryOptions = {}): Promise<MemoryDirectory> {
    return MemoryDirectory.create(
      (err, node) => this.log.error('a directory subscriber threw while handling a message', { node, error: (err as Error)?.message ?? String(err) }),
      options,
    );
  }
}
