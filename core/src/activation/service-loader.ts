import type { interfaces } from 'inversify';
import type { ContributionProvider, ServiceId, ServiceLoader } from '../container/services';
import { PluginError } from '../errors';

const label = (id: ServiceId<unknown>): string => (typeof id === 'symbol' ? (id.description ?? String(id)) : typeof id === 'function' ? id.name : String(id));

function missing(id: ServiceId<unknown>, event: string | undefined, name: string | undefined, why: string | undefined): PluginError {
  const what = `${label(id)}${name !== undefined ? ` named "${name}"` : ''}`;
  const after = event ? ` after activating "${event}"` : '';
  return new PluginError(
    'E_SERVICE_MISSING',
    why
      ? `${why}; install or enable it in pinhole.config.json (no active plugin provides ${what}${after})`
      : `no active plugin provides ${what}${after}; install or enable the plugin that does (see "pinhole plugins" and pinhole.config.json)`,
    { service: label(id), name, event },
  );
}

/** The host's ServiceLoader: activation by event through the plugin host, resolution through the container. */
export function createServiceLoader(container: interfaces.Container, activate: (event: string) => Promise<void>): ServiceLoader {
  const after = async (event?: string) => {
    if (event) await activate(event);
  };
  return Object.freeze({
    activate,
    async load<T>(id: ServiceId<T>, event?: string, why?: string): Promise<T> {
      await after(event);
      if (!container.isBound(id)) throw missing(id, event, undefined, why);
      return container.get<T>(id);
    },
    async loadNamed<T>(id: ServiceId<T>, name: string, event?: string, why?: string): Promise<T> {
      await after(event);
      if (!container.isBoundNamed(id, name)) throw missing(id, event, name, why);
      return container.getNamed<T>(id, name);
    },
    async loadAll<T>(id: ServiceId<T>, event?: string): Promise<T[]> {
      await after(event);
      return container.isBound(id) ? container.getAll<T>(id) : [];
    },
  });
}

/** Every binding of `id`, looked up on each call (plugins activated later are seen). */
export function contributionProvider<T>(container: interfaces.Container, id: ServiceId<T>): ContributionProvider<T> {
  return { getContributions: () => (container.isBound(id) ? container.getAll<T>(id) : []) };
}
