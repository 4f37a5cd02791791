import type { ContainerModule, interfaces } from 'inversify';
import { CommandContribution } from '../commands';
import { validatePluginOptions } from '../config/config';
import { PluginError } from '../errors';
import { HookContribution } from '../hooks/contribution';
import { createTapApi } from '../hooks/tap';
import type { Problem } from '../manifest/types';
import { checkContributions, undeclaredCommand } from './contribution-check';
import type { PluginContext, PluginModule } from './plugin-context';
import type { PluginEntry, PluginHostDeps, PluginRuntime } from './plugin-host';

/**
 * Activates one plugin whose dependencies are active: validates its options, requires its main
 * module, loads its ContainerModule, registers its CommandContributions, applies its
 * HookContributions, runs activate(), and returns what its manifest contributes but it did not
 * provide. Everything it sets up is pushed to the entry's subscriptions.
 */
export async function activatePlugin(e: PluginEntry, rt: PluginRuntime, deps: Pick<PluginHostDeps, 'log' | 'config'>): Promise<Problem[]> {
  const id = e.desc.id;
  const options = validatePluginOptions(
    id,
    e.desc.manifest.contributes?.configuration as Record<string, unknown> | undefined,
    deps.config.config.plugins?.[id]?.options,
    deps.config.file,
  );
  const context: PluginContext = Object.freeze(
    withRemovedMembers(id, {
      pluginId: id,
      manifest: e.desc.manifest,
      dir: e.desc.dir,
      options: Object.freeze(options),
      log: deps.log.child(id),
      subscriptions: e.subscriptions,
    }),
  );
  const mod = requireModule(e);
  e.module = mod;
  if (mod.containerModule !== undefined && typeof mod.containerModule !== 'function')
    throw new PluginError(
      'E_PLUGIN_SHAPE',
      `plugin "${id}" exports containerModule as a ContainerModule; export a function containerModule(ctx: PluginContext<Options>) that returns one (see plugin-template/README.md)`,
      { plugin: id },
    );
  if (mod.containerModule) loadModule(e, rt.container, mod.containerModule(context));
  const problems = registerCommands(e, rt);
  const tapped = applyHooks(e, rt);
  await mod.activate?.(context);
  problems.push(...checkContributions(e.desc.manifest, rt, tapped, (command) => rt.commands.get(command)?.owner === id));
  return problems;
}

/** Loads exactly this plugin's module; deactivation unloads exactly it (async: preDestroy hooks may be). */
function loadModule(e: PluginEntry, container: interfaces.Container, module: ContainerModule): void {
  container.load(module);
  e.subscriptions.push({ dispose: () => container.unloadAsync(module) });
}

/** Registers the plugin's CommandContributions that its manifest declares; reports the others. */
function registerCommands(e: PluginEntry, rt: PluginRuntime): Problem[] {
  const id = e.desc.id;
  const problems: Problem[] = [];
  if (!rt.container.isBoundNamed(CommandContribution, id)) return problems;
  const declared = new Set(((e.desc.manifest.contributes?.commands as Array<{ command: string }> | undefined) ?? []).map((c) => c.command));
  for (const c of rt.container.getAllNamed<CommandContribution>(CommandContribution, id)) {
    if (declared.has(c.command)) e.subscriptions.push(rt.commands.register(id, c));
    else problems.push(undeclaredCommand(c.command));
  }
  return problems;
}

/** Applies the plugin's HookContributions with a TapApi named after it; returns where it tapped. */
function applyHooks(e: PluginEntry, rt: PluginRuntime): Set<string> {
  const id = e.desc.id;
  const tapped = new Set<string>();
  if (!rt.container.isBoundNamed(HookContribution, id)) return tapped;
  const api = createTapApi(rt.hooks, id, (d, where) => {
    e.subscriptions.push(d);
    tapped.add(where);
  });
  for (const h of rt.container.getAllNamed<HookContribution>(HookContribution, id)) h.apply(api);
  return tapped;
}

/** What PluginContext no longer has, and what to use instead: a plugin written for the old shape is told, not crashed. */
const REMOVED: Record<string, string> = {
  container: 'bind in containerModule(ctx); reach other plugins\' services with an injected ServiceLoader',
  hooks: 'tap from a HookContribution bound with contribute(bind, ctx, HookContribution, MyTaps)',
  commands: 'bind a CommandContribution with contribute(bind, ctx, CommandContribution, MyCommand)',
  activateByEvent: 'inject ServiceLoader and call activate(event) or load(id, event)',
};

function withRemovedMembers<T extends object>(pluginId: string, ctx: T): T {
  for (const [name, instead] of Object.entries(REMOVED))
    Object.defineProperty(ctx, name, {
      enumerable: false,
      get() {
        throw new PluginError('E_PLUGIN_SHAPE', `plugin "${pluginId}" uses PluginContext.${name}, which is gone: ${instead} (see plugin-template/README.md)`, { plugin: pluginId });
      },
    });
  return ctx;
}

function requireModule(e: PluginEntry): PluginModule {
  const main = require.resolve(`${e.desc.dir}/${e.desc.manifest.main}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(main) as PluginModule & { default?: PluginModule };
  return loaded.activate || loaded.containerModule ? loaded : (loaded.default ?? loaded);
}

