import 'reflect-metadata';
import * as path from 'path';
import { Container } from 'inversify';
import { PluginHost } from './activation/plugin-host';
import { PluginList } from './activation/plugin-list';
import { CommandRegistry, createCommandRegistry } from './commands';
import { loadConfig, validateConfig, type LoadedConfig, type PinholeConfig } from './config/config';
import { createHooks, Hooks } from './hooks/hooks';
import { createLogger, Logger } from './log';
import { createAjv } from './manifest/ajv';
import { ContributionPointRegistry } from './manifest/contribution-points';
import { listPluginDirs, ManifestReader } from './manifest/discovery';
import { CORE_VERSION } from './version';

/** The repository's own plugins/ folder (core/dist → ../../plugins). */
export const BUILTIN_PLUGINS_DIR = path.resolve(__dirname, '..', '..', 'plugins');

export interface HostOptions {
  /** A config file path, an already loaded config, or an inline config object. Default: ./pinhole.config.json if present. */
  config?: string | LoadedConfig | PinholeConfig;
  /** Plugin folders to scan; default: the repository's plugins/ plus the config's pluginPaths. */
  pluginDirs?: string[];
  /** Set false to scan only pluginDirs and the config's pluginPaths. */
  builtinPlugins?: boolean;
  log?: Logger;
}

/** One host = one container, one frozen hooks object, one plugin registry. */
export class Host {
  readonly container = new Container({ defaultScope: 'Singleton', skipBaseClassChecks: true });
  readonly hooks = createHooks();
  readonly commands = createCommandRegistry();
  readonly plugins: PluginHost;
  readonly contributionPoints: ContributionPointRegistry;
  readonly log: Logger;
  readonly config: LoadedConfig;
  private readonly ajv = createAjv();

  constructor(opts: HostOptions = {}) {
    this.log = opts.log ?? createLogger();
    this.config = resolveConfig(this.ajv, opts.config);
    this.contributionPoints = new ContributionPointRegistry(this.ajv);
    this.container.bind(Hooks).toConstantValue(this.hooks);
    this.container.bind(Logger).toConstantValue(this.log);
    this.container.bind(CommandRegistry).toConstantValue(this.commands);
    this.plugins = new PluginHost({
      container: this.container,
      hooks: this.hooks,
      ajv: this.ajv,
      log: this.log,
      config: this.config,
      commands: this.commands,
    });
    this.container.bind(PluginList).toConstantValue({ list: () => this.plugins.list() });
    const dirs = [...(opts.builtinPlugins === false ? [] : [BUILTIN_PLUGINS_DIR]), ...(opts.pluginDirs ?? []), ...this.config.pluginPaths];
    const reader = new ManifestReader(this.ajv, this.contributionPoints, CORE_VERSION);
    this.plugins.load(listPluginDirs(dirs).map((d) => reader.read(d)));
  }

  /** Activates `onStartup` (and `*`) plugins. */
  async start(): Promise<void> {
    await this.plugins.activateByEvent('onStartup');
  }

  async dispose(): Promise<void> {
    await this.plugins.deactivateAll();
  }
}

function resolveConfig(ajv: ReturnType<typeof createAjv>, c: HostOptions['config']): LoadedConfig {
  if (c === undefined || typeof c === 'string') return loadConfig(ajv, c);
  if ('config' in c) return c as LoadedConfig;
  const config = validateConfig(ajv, c);
  return { config, pluginPaths: (config.pluginPaths ?? []).map((p) => path.resolve(p)) };
}
