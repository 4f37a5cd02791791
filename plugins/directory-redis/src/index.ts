import { ContainerModule } from 'inversify';
import { DirectoryBackend, type PluginContext } from '@pinhole/core';
import { RedisBackend } from './backend';
import { RedisDirectoryOptions } from './options';

export { RedisBackend } from './backend';
export { RedisDirectory } from './redis-directory';
export { KeySpace } from './keys';
export { BACKEND_NAME, type RedisDirectoryOptions } from './options';

/**
 * The `redis` DirectoryBackend; the manager picks backends by name (its `directory` option).
 * Its options (manifest defaults) are overlaid per create() by the manager's directoryOptions.
 */
export function containerModule(ctx: PluginContext<RedisDirectoryOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind(RedisDirectoryOptions).toConstantValue(ctx.options);
    bind(DirectoryBackend).to(RedisBackend).inSingletonScope();
  });
}
