import type { DirectoryBackend, Logger } from '@pinhole/core';
import { MemoryDirectory } from './memory-directory';

export const MEMORY_BACKEND_NAME = 'memory';

/**
 * The `memory` backend: each create() is a new, empty table for one manager node. It takes no
 * options (whatever the manager passes is ignored).
 */
export function memoryBackend(log: Logger): DirectoryBackend {
  return {
    name: MEMORY_BACKEND_NAME,
    async create(): Promise<MemoryDirectory> {
      return MemoryDirectory.create((err, node) =>
        log.error('a directory subscriber threw while handling a message', { node, error: (err as Error)?.message ?? String(err) }),
      );
    },
  };
}
