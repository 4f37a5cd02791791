import { ContainerModule } from 'inversify';
import { DirectoryBackend, type PluginContext } from '@pinhole/core';
import { MemoryBackend, MemoryDirectoryOptions } from './backend';

export { MemoryBackend, MEMORY_BACKEND_NAME, type MemoryDirectoryOptions } from './backend';
export { MemoryDirectory, type SnapshotOptions } from './memory-directory';

/**
 * The `memory` DirectoryBackend; the manager picks backends by name (its `directory` option).
 * Its options (manifest defaults) are overlaid per create() by the manager's directoryOptions.
 */
export function containerModule(ctx: PluginContext<MemoryDirectoryOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind(MemoryDirectoryOptions).toConstantValue(ctx.options);
    bind(DirectoryBackend).to(MemoryBackend).inSingletonScope();
  });
}
