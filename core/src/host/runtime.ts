import 'reflect-metadata';
import { Container, type ContainerModule, type interfaces } from 'inversify';
import type { PluginHost, PluginRuntime } from '../activation/plugin-host';
import { contributionProvider, createServiceLoader } from '../activation/service-loader';
import type { CommandRegistry } from '../cli/command-registry';
import { ContributionProvider, Contributions, ServiceLoader } from '../container/services';
import { createHooks } from '../hooks/create-hooks';
import { Hooks } from '../hooks/hooks';
import { Logger } from '../log';

/**
 * What activation runs on: one container with the host's own services bound (Hooks, Logger,
 * ServiceLoader, Contributions, ContributionProvider) and one set of hook points. Made by the
 * host on first activation; inversify and tapable are loaded only then.
 */
export function createRuntime(o: { plugins: PluginHost; commands: CommandRegistry; log: Logger; modules?: ContainerModule[] }): PluginRuntime & { services: ServiceLoader } {
  const container = new Container({ defaultScope: 'Singleton', skipBaseClassChecks: true });
  const hooks = createHooks();
  const services = createServiceLoader(container, (event) => o.plugins.activateByEvent(event));
  container.bind(Hooks).toConstantValue(hooks);
  container.bind(Logger).toConstantValue(o.log);
  container.bind(ServiceLoader).toConstantValue(services);
  container.bind(Contributions).toConstantValue(o.plugins.contributionsService());
  // `@inject(ContributionProvider) @named(Codec)`: a provider for the identifier named.
  container
    .bind(ContributionProvider)
    .toDynamicValue((ctx: interfaces.Context) => {
      const id = ctx.currentRequest.target.getNamedTag()?.value;
      if (typeof id !== 'symbol' && typeof id !== 'string') throw new TypeError('inject ContributionProvider with @named(<service identifier>), e.g. @named(Codec)');
      return contributionProvider(ctx.container, id);
    })
    .inTransientScope();
  for (const m of o.modules ?? []) container.load(m);
  return { container, hooks, commands: o.commands, services };
}
