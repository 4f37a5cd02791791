import { ContainerModule } from 'inversify';
import { DirectoryBackend, type PluginContext } from '@pinhole/core';
import { MemoryBackend } from './backend';

export { MemoryBackend, MEMORY_BACKEND_NAME } from './backend';
export { MemoryDirectory } from './memory-directory';

/** The `memory` DirectoryBackend; the manager picks backends by name (its `directory` option). */
export function containerModule(_ctx: PluginContext): ContainerModule {
  return new ContainerModule((bind) => {
    bind(DirectoryBackend).to(MemoryBackend).inSingletonScope();
  });
}
