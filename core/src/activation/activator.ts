import type { ContainerModule, interfaces } from 'inversify';
import { CommandContribution } from '../commands';
import { validatePluginOptions } from '../config/config';
import { HookContribution } from '../hooks/contribution';
import { createTapApi } from '../hooks/tap';
import type { Problem } from '../manifest/types';
import { checkContributions, undeclaredCommand } from './contribution-check';
import type { PluginCrash } from '../isolation/isolated-plugin';
import type { PluginEntry, PluginHostDeps, PluginRuntime } from './plugin-host';
import { pluginContext, pluginMain, requirePluginModule } from './plugin-module';

/** What activation needs from the plugin host: the log and config, and where an isolated plugin's crashes are reported. */
export type ActivationDeps = Pick<PluginHostDeps, 'log' | 'config'> & { crashed(e: PluginEntry, crash: PluginCrash): void; restarted(e: PluginEntry): void };

/**
 * Activates one plugin whose dependencies are active: validates its options, requires its main
 * module, loads its ContainerModule, registers its CommandContributions, applies its
 * HookContributions, runs activate(), and returns what its manifest contributes but it did not
 * provide. Everything it sets up is pushed to the entry's subscriptions.
 */
export async function activatePlugin(e: PluginEntry, rt: PluginRuntime, deps: ActivationDeps): Promise<Problem[]> {
  const id = e.desc.id;
  const options = validatePluginOptions(
    id,
    e.desc.manifest.contributes?.configuration as Record<string, unknown> | undefined,
    deps.config.config.plugins?.[id]?.options,
    deps.config.file,
  );
  if (e.isolation === 'worker') {
    // Loaded only when a plugin runs isolated: the sandbox and its worker are not needed otherwise.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { activateIsolated } = require('../isolation/activate-isolated') as typeof import('../isolation/activate-isolated');
    return activateIsolated(e, rt, deps, options);
  }
  const context = pluginContext({
    pluginId: id,
    manifest: e.desc.manifest,
    dir: e.desc.dir,
    options: Object.freeze(options),
    log: deps.log.child(id),
    subscriptions: e.subscriptions,
  });
  const mod = requirePluginModule(id, pluginMain(e.desc.dir, e.desc.manifest));
  e.module = mod;
  if (mod.containerModule) loadModule(e, rt.container, mod.containerModule(context));
  const problems = registerCommands(e, rt);
  const tapped = applyHooks(e, rt);
  await mod.activate?.(context);
  problems.push(...checkContributions(e.desc.manifest, rt, tapped, (command) => rt.commands.get(command)?.owner === id));
  return problems;
}

/** Loads exactly this plugin's module; deactivation unloads exactly it (async: preDestroy hooks may be). */
export function loadModule(e: PluginEntry, container: interfaces.Container, module: ContainerModule): void {
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
