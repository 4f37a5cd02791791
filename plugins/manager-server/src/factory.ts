import {
  ConfigError,
  DirectoryBackend,
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
  udpHost?: string;
  udpPort: number;
  stunAltPort: number;
  stunAltHost?: string;
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
  if (!backend)
    throw new ConfigError(
      'E_DIRECTORY_UNKNOWN',
      `no directory backend "${name}"${backends.length ? ` (available: ${backends.map((b) => b.name).join(', ')})` : ''}; install or enable the plugin contributing it, or set plugins.manager-server.options.directory`,
    );
  return backend.create(options);
}

/** ManagerServerFactory: the plugin's options, overridden per call, with a directory it owns. */
export function managerFactory(context: PluginContext): ManagerServerFactory {
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
