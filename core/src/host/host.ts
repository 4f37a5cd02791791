import * as path from 'path';
import type { ContainerModule } from 'inversify';
import { PluginHost, type PluginRuntime } from '../activation/plugin-host';
import { CommandRegistry } from '../cli/command-registry';
import { loadConfig, validateConfig, type LoadedConfig, type PinholeConfig } from '../config/config';
import type { ServiceLoader } from '../container/services';
import type { Hooks } from '../hooks/hooks';
import { createLogger, type Logger } from '../log';
import { ContributionPointRegistry } from '../manifest/contribution-points';
import { listPluginDirs, ManifestReader } from '../manifest/discovery';
import { CORE_VERSION } from '../version';

/** The repository's own plugins/ folder (core/dist/host → ../../../plugins). */
export const BUILTIN_PLUGINS_DIR = path.resolve(__dirname, '..', '..', '..', 'plugins');

export interface HostOptions {
  /** A config file path, an already loaded config, or an inline config object. Default: ./pinhole.config.json if present. */
  config?: string | LoadedConfig | PinholeConfig;
  /** Plugin folders to scan; default: the repository's plugins/ plus the config's pluginPaths. */
  pluginDirs?: string[];
  /** Set false to scan only pluginDirs and the config's pluginPaths. */
  builtinPlugins?: boolean;
  /** Default: a logger at the config's `log.level` (warn if unset). */
  log?: Logger;
  /** Extra bindings for the host's container (an app's own services; test probes). */
  modules?: ContainerModule[];
}

/**
 * One host = one container, one frozen hooks object, one plugin registry. Reading manifests and
 * the config is all a new Host does; the container and the hooks (inversify, tapable) are made
 * on first activation, so `pinhole --help` and `pinhole plugins` never load them.
 */
export class Host {
  readonly commands = new CommandRegistry();
  readonly plugins: PluginHost;
  readonly contributionPoints = new ContributionPointRegistry();
  readonly log: Logger;
  readonly config: LoadedConfig;
  private runtime?: PluginRuntime & { services: ServiceLoader };

  constructor(private readonly opts: HostOptions = {}) {
    this.config = resolveConfig(opts.config);
    this.log = opts.log ?? createLogger({ level: this.config.config.log?.level });
    this.plugins = new PluginHost({ runtime: () => this.rt(), log: this.log, config: this.config });
    const dirs = [...(opts.builtinPlugins === false ? [] : [BUILTIN_PLUGINS_DIR]), ...(opts.pluginDirs ?? []), ...this.config.pluginPaths];
    const reader = new ManifestReader(this.contributionPoints, CORE_VERSION);
    // Plugins the config's pluginPaths bring in are third-party code: isolated unless the config trusts them.
    const thirdParty = new Set(listPluginDirs(this.config.pluginPaths));
    this.plugins.load(listPluginDirs(dirs).map((d) => reader.read(d)), thirdParty);
  }

  /** The hook points: runners call them, plugins tap them through their HookContributions. */
  get hooks(): Hooks {
    return this.rt().hooks;
  }

  /** How an app or a test reaches plugin services: activate by event, resolve by identifier. */
  get services(): ServiceLoader {
    return this.rt().services;
  }

  /** Activates `onStartup` (and `*`) plugins. */
  async start(): Promise<void> {
    await this.plugins.activateByEvent('onStartup');
  }

  async dispose(): Promise<void> {
    await this.plugins.deactivateAll();
  }

  private rt(): PluginRuntime & { services: ServiceLoader } {
    if (this.runtime) return this.runtime;
    // Loaded here, not at the top: listing plugins and printing help need neither inversify nor tapable.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createRuntime } = require('./runtime') as typeof import('./runtime');
    this.runtime = createRuntime({ plugins: this.plugins, commands: this.commands, log: this.log, modules: this.opts.modules });
    return this.runtime;
  }
}

function resolveConfig(c: HostOptions['config']): LoadedConfig {
  if (c === undefined || typeof c === 'string') return loadConfig(c);
  if ('config' in c) return c as LoadedConfig;
  const config = validateConfig(c);
  return { config, pluginPaths: (config.pluginPaths ?? []).map((p) => path.resolve(p)) };
}
