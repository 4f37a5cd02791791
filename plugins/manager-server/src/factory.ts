import { inject, injectable } from 'inversify';
import {
  Contributions,
  DirectoryBackend,
  DirectoryError,
  Hooks,
  Logger,
  ServiceLoader,
  type Directory,
  type ManagerServerFactory,
  type ManagerServerOptions,
} from '@pinhole/core';
import { startManager, type RunningManager } from './manager';
import { ManagerOptions, type StartManagerOptions } from './options';

/** A ManagerServerFactory whose managers tell their node id and directory backend. */
export interface RunningManagerFactory extends ManagerServerFactory {
  start(overrides?: ManagerServerOptions & Partial<StartManagerOptions>): Promise<RunningManager>;
}

/** ManagerServerFactory: the plugin's options, overridden per start(), with a directory it owns. */
@injectable()
export class PluginManagerFactory implements RunningManagerFactory {
  constructor(
    @inject(ManagerOptions) private readonly options: ManagerOptions,
    @inject(ServiceLoader) private readonly loader: ServiceLoader,
    @inject(Contributions) private readonly contributions: Contributions,
    @inject(Hooks) private readonly hooks: Hooks,
    @inject(Logger) private readonly log: Logger,
  ) {}

  async start(overrides: ManagerServerOptions & Partial<StartManagerOptions> = {}): Promise<RunningManager> {
    const { directory: given, ...rest } = overrides;
    const { directory: backendName, directoryOptions, ...base } = this.options;
    const directory = given ?? (await this.openDirectory(backendName, directoryOptions));
    try {
      const manager = await startManager({
        ...base,
        ...stripUndefined(rest),
        limits: { ...base.limits, ...stripUndefined(rest.limits ?? {}) },
        directory,
        directoryName: given ? (rest.directoryName ?? 'given') : backendName,
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

  /**
   * The backend named by the `directory` option: its plugins activated (`onDirectory:<name>`),
   * then picked by name; unknown, the error lists what the installed manifests contribute.
   */
  private async openDirectory(name: string, options: Record<string, unknown>): Promise<Directory> {
    const backends = await this.loader.loadAll<DirectoryBackend>(DirectoryBackend, `onDirectory:${name}`);
    const backend = backends.find((b) => b.name === name);
    if (!backend) throw DirectoryError.UNKNOWN(name, [...new Set(this.contributions.of('directoryBackends').map((c) => c.name))].sort());
    return backend.create(options);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
