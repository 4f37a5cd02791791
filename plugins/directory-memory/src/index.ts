import { ContainerModule } from 'inversify';
import { DirectoryBackend, type PluginContext } from '@pinhole/core';
import { MemoryBackend, MemoryDirectoryOptions } from './backend';

export { MemoryBackend, MEMORY_BACKEND_NAME, type MemoryDirectoryOptions } from './backend';
export { MemoryDirectory, type SnapshotOptions } from './memory-directory';

/** Binds the `memory` DirectoryBackend; the manager picks it by name from getAll(DirectoryBackend). */
export const containerModule = new ContainerModule((bind) => {
  bind<DirectoryBackend>(DirectoryBackend).to(MemoryBackend).inSingletonScope();
});

/** The plugin's validated options (defaults from the manifest), overlaid per create() by directoryOptions. */
export function activate(context: PluginContext): void {
  context.container.bind<MemoryDirectoryOptions>(MemoryDirectoryOptions).toConstantValue(context.options as unknown as MemoryDirectoryOptions);
  context.subscriptions.push({ dispose: () => context.container.unbind(MemoryDirectoryOptions) });
}
