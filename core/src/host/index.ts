/**
 * @pinhole/core/host: the host's internals, for apps, tests and tools — never for plugins (the
 * architecture test refuses a plugin importing this). Plugins use `@pinhole/core`.
 */
export { Host, BUILTIN_PLUGINS_DIR, type HostOptions } from './host';
export { PluginHost, type PluginInfo, type PluginState, type PluginRuntime, type PluginHostDeps } from '../activation/plugin-host';
export { orderByDependencies } from '../activation/dependency-order';
export { createServiceLoader, contributionProvider } from '../activation/service-loader';
export { createTapApi, type TapTracker } from '../hooks/tap';
export { ManifestReader, listPluginDirs, pluginIdOf, type PluginDescription } from '../manifest/discovery';
export { checkEngine } from '../manifest/engine-range';
export { ContributionPointRegistry, BUILTIN_CONTRIBUTION_POINTS, type ContributionPoint } from '../manifest/contribution-points';
export { validator, validatorSource, compileValidators, type Validator } from '../manifest/validators';
export {
  loadConfig,
  validateConfig,
  validatePluginOptions,
  DEFAULT_CONFIG_FILE,
  type PinholeConfig,
  type PluginConfig,
  type LoadedConfig,
} from '../config/config';
export { CommandRegistry, type RegisteredCommand } from '../cli/command-registry';
export type { PluginCrash } from '../isolation/isolated-plugin';
export { isolationOf, limitsOf, type Isolation, type IsolationLimits } from '../isolation/settings';
export { main, runCommand } from '../cli/main';
export { parseGlobals, type GlobalOptions } from '../cli/globals';
export { helpText, coreCommandEntries } from '../cli/builtins';
export { renderPlugins } from '../cli/plugins-command';
export { newPlugin, runNewPlugin, takenNames, ScaffoldError, type NewPluginOptions, type NewPluginResult } from '../cli/new-plugin';
export { templateKinds, REPO_ROOT, TEMPLATE_DIR, NEW_PLUGIN_USAGE } from '../cli/templates';
