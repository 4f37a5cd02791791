import type { DirectoryBackend, DirectoryOptions, Logger } from '@pinhole/core';
import { MemoryDirectory } from './memory-directory';

export const MEMORY_BACKEND_NAME = 'memory';

/**
 * The `memory` backend: each create() is a new, empty table for one manager node. Of the
 * options it reads `nameTtlMs` (how long an unused name stays bound to its key).
 */
export function memoryBackend(log: Logger): DirectoryBackend {
  return {
    name: MEMORY_BACKEND_NAME,
    async create(options: DirectoryOptions = {}): Promise<MemoryDirectory> {
      return MemoryDirectory.create(
        (err, node) => log.error('a directory subscriber threw while handling a message', { node, error: (err as Error)?.message ?? String(err) }),
        options,
      );
    },
  };
}
