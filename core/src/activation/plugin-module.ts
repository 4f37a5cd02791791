import { PluginError } from '../errors';
import type { PluginManifest } from '../manifest/types';
import type { PluginContext, PluginModule } from './plugin-context';

/**
 * Loading a plugin's main module and making its context: shared by activation in the peer
 * process and in an isolation worker, so a plugin meets the same rules in both.
 */

/** Absolute path of the plugin's main module. */
export function pluginMain(dir: string, manifest: Pick<PluginManifest, 'main'>): string {
  return require.resolve(`${dir}/${manifest.main}`);
}

/** Requires the main module; one in the pre-issue-14 shape (containerModule as an instance) is told what to export instead. */
export function requirePluginModule(id: string, main: string): PluginModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(main) as PluginModule & { default?: PluginModule };
  const mod = loaded.activate || loaded.containerModule ? loaded : (loaded.default ?? loaded);
  if (mod.containerModule !== undefined && typeof mod.containerModule !== 'function')
    throw new PluginError(
      'E_PLUGIN_SHAPE',
      `plugin "${id}" exports containerModule as a ContainerModule; export a function containerModule(ctx: PluginContext<Options>) that returns one (see plugin-template/README.md)`,
      { plugin: id },
    );
  return mod;
}

/** What PluginContext no longer has, and what to use instead: a plugin written for the old shape is told, not crashed. */
const REMOVED: Record<string, string> = {
  container: 'bind in containerModule(ctx); reach other plugins\' services with an injected ServiceLoader',
  hooks: 'tap from a HookContribution bound with contribute(bind, ctx, HookContribution, MyTaps)',
  commands: 'bind a CommandContribution with contribute(bind, ctx, CommandContribution, MyCommand)',
  activateByEvent: 'inject ServiceLoader and call activate(event) or load(id, event)',
};

/** The frozen context a plugin's containerModule(ctx) and activate(ctx) receive. */
export function pluginContext(ctx: PluginContext): PluginContext {
  for (const [name, instead] of Object.entries(REMOVED))
    Object.defineProperty(ctx, name, {
      enumerable: false,
      get() {
        throw new PluginError('E_PLUGIN_SHAPE', `plugin "${ctx.pluginId}" uses PluginContext.${name}, which is gone: ${instead} (see plugin-template/README.md)`, { plugin: ctx.pluginId });
      },
    });
  return Object.freeze(ctx);
}
