import type { interfaces } from 'inversify';
import type { PluginContext } from '../activation/plugin-context';

/**
 * The one way a plugin contributes to an extension point the host collects per plugin
 * (HookContribution, CommandContribution): binds `token` to `cls` in singleton scope,
 * constrained to the plugin (`whenTargetNamed(pluginId)`), so the host resolves exactly
 * this plugin's contributions right after loading its module.
 */
export function contribute<T>(
  bind: interfaces.Bind,
  ctx: Pick<PluginContext<unknown>, 'pluginId'>,
  token: interfaces.ServiceIdentifier<T>,
  cls: interfaces.Newable<T>,
): void {
  bind<T>(token).to(cls).inSingletonScope().whenTargetNamed(ctx.pluginId);
}
