import { inject, injectable } from 'inversify';
import {
  ConfigError,
  Contributions,
  DirectoryBackend,
  Hooks,
  Logger,
  ServiceLoader,
  type Directory,
  type ManagerServerFactory,
  type ManagerServerOptions,
} from '@pinhole/core';
import { startManager, type RunningManager } from './manager';
import { ManagerOptions, type StartManagerOptions } from './options';

/** ManagerServerFactory: the plugin's options, overridden per start(), with a directory it owns. */
@injectable()
export class PluginManagerFactory implements ManagerServerFactory {
  constructor(
    @inject(ManagerOptions) private readonly options: ManagerOptions,
    @inject(ServiceLoader) private readonly loader: ServiceLoader,
    @inject(Hooks) private readonly hooks: Hooks,
    @inject(Logger) private readonly log: Logger,
    @inject(Contributions) private readonly contributions: Contributions,
  ) {}

  async start(overrides: ManagerServerOptions & Partial<StartManagerOptions> = {}): Promise<RunningManager> {
    const { directory: given, ...rest } = overrides;
    const { directory: backendName, directoryOptions, ...base } = this.options;
    const directory = given ?? (await this.openDirectory(backendName, directoryOptions));
    try {
      const manager = await startManager({
        ...base,
        directoryName: given ? undefined : backendName,
        ...stripUndefined(rest),
        limits: { ...base.limits, ...stripUndefined(rest.limits ?? {}) },
        directory,
        hooks: this.hooks,
        log: rest.log ?? this.log.child('manager'),
      });
      if (given) return manager;
      return { ...manager, close: async () => (await manager.close(), await directory.close()) };
    } catch (err) {
      if (!given) await directory.close();
      throw err;
    }
  }

  /** The backend named by the `directory` option: its plugins activated (`onDirectory:<name>`), then picked by name. */
  private async openDirectory(name: string, options: Record<string, unknown>): Promise<Directory> {
    const installed = this.contributions.of('directoryBackends').map((b) => `${b.name} (plugin ${b.pluginId})`);
    const backends = await this.loader.loadAll<DirectoryBackend>(DirectoryBackend, `onDirectory:${name}`);
    const backend = backends.find((b) => b.name === name);
    if (!backend)
      throw new ConfigError(
        'E_DIRECTORY_UNKNOWN',
        `no directory backend "${name}" is installed (installed: ${installed.join(', ') || 'none'}); set plugins.manager-server.options.directory in pinhole.config.json to one of them, or install and enable the plugin contributing "${name}"`,
        { directory: name, installed },
      );
    this.log.info(`directory backend "${name}"`, { options: Object.keys(options) });
    return backend.create(options);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
