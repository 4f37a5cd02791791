import { ContainerModule } from 'inversify';
import { DirectoryBackend, type PluginContext } from '@pinhole/core';
import { RedisBackend } from './backend';
import { RedisDirectoryOptions } from './options';

export { RedisBackend } from './backend';
export { RedisDirectory } from './redis-directory';
export { KeySpace } from './keys';
export { BACKEND_NAME, type RedisDirectoryOptions } from './options';

/** Binds the `redis` DirectoryBackend; the manager picks it by name from getAll(DirectoryBackend). */
export const containerModule = new ContainerModule((bind) => {
  bind<DirectoryBackend>(DirectoryBackend).to(RedisBackend).inSingletonScope();
});

/** The plugin's validated options (defaults from the manifest), overlaid per create() by directoryOptions. */
export function activate(context: PluginContext): void {
  context.container.bind<RedisDirectoryOptions>(RedisDirectoryOptions).toConstantValue(context.options as unknown as RedisDirectoryOptions);
  context.subscriptions.push({ dispose: () => context.container.unbind(RedisDirectoryOptions) });
}
