import { ContainerModule } from 'inversify';
import { DirectoryBackend, Logger } from '@pinhole/core';
import { memoryBackend } from './backend';

export { memoryBackend, MEMORY_BACKEND_NAME } from './backend';
export { MemoryDirectory } from './memory-directory';

/** Binds the `memory` DirectoryBackend; the manager picks it by name from getAll(DirectoryBackend). */
export const containerModule = new ContainerModule((bind) => {
  bind<DirectoryBackend>(DirectoryBackend)
    .toDynamicValue((ctx) => memoryBackend(ctx.container.get<Logger>(Logger).child('directory-memory')))
    .inSingletonScope();
});
