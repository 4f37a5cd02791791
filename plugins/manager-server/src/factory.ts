import {
  contributedNames,
  DirectoryBackend,
  DirectoryError,
  PluginList,
  Hooks,
  Logger,
  type Directory,
  type ManagerServerFactory,
  type ManagerServerOptions,
  type PluginContext,
} from '@pinhole/core';
import { startManager, type RunningManager } from './manager';
import type { ManagerLimits, StartManagerOptions } from './options';

/** The plugin's options as validated against contributes.configuration (defaults filled in). */
export interface ManagerPluginOptions {
  host: string;
  port: number;
  udpHost: string;
  udpPort: number;
  keepaliveMs: number;
  expiryMs: number;
  callTimeoutMs: number;
  maxCallsPerPeer: number;
  maxFrameBytes: number;
  directory: string;
  directoryOptions: Record<string, unknown>;
  limits: ManagerLimits;
}

/**
 * Picks the directory backend named by the `directory` option: activates the plugins that
 * contribute it (`onDirectory:<name>`) and takes it from the container.
 */
export async function openDirectory(context: PluginContext, name: string, options: Record<string, unknown>): Promise<Directory> {
  await context.activateByEvent(`onDirectory:${name}`);
  const backends = context.container.isBound(DirectoryBackend) ? context.container.getAll<DirectoryBackend>(DirectoryBackend) : [];
  const backend = backends.find((b) => b.name === name);
  if (!backend) {
    const c = context.container;
    throw DirectoryError.UNKNOWN(name, c.isBound(PluginList) ? contributedNames(c.get<PluginList>(PluginList), 'directoryBackends') : backends.map((b) => b.name));
  }
  return backend.create(options);
}

/** A ManagerServerFactory whose managers tell their node id and directory backend. */
export interface RunningManagerFactory extends ManagerServerFactory {
  start(overrides?: ManagerServerOptions & Partial<StartManagerOptions>): Promise<RunningManager>;
}

/** ManagerServerFactory: the plugin's options, overridden per call, with a directory it owns. */
export function managerFactory(context: PluginContext): RunningManagerFactory {
  const base = context.options as unknown as ManagerPluginOptions;
  return {
    async start(overrides: ManagerServerOptions & Partial<StartManagerOptions> = {}): Promise<RunningManager> {
      const { directory: given, ...rest } = overrides;
      const directory = given ?? (await openDirectory(context, base.directory, base.directoryOptions));
      try {
        const manager = await startManager({
          ...base,
          ...stripUndefined(rest),
          limits: { ...base.limits, ...(rest.limits ?? {}) },
          directory,
          directoryName: given ? rest.directoryName ?? 'given' : base.directory,
          hooks: context.container.get<Hooks>(Hooks),
          log: rest.log ?? context.container.get<Logger>(Logger).child('manager'),
        });
        if (given) return manager;
        return { ...manager, close: async () => (await manager.close(), await directory.close()) };
      } catch (err) {
        if (!given) await directory.close();
        throw err;
      }
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
