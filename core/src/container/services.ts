import type { interfaces } from 'inversify';
import type { ContributionEntries } from '../manifest/types';

/** A service identifier: the Symbol exported beside an interface of the same name. */
export type ServiceId<T> = interfaces.ServiceIdentifier<T>;

/**
 * How a plugin reaches services that other plugins provide and that may not be active yet
 * (VS Code's activation events): activate what contributes the event, then resolve by
 * identifier. Plugins never hold the container; an isolated plugin's services can stand behind
 * the same identifiers.
 *
 *     const files = await loader.load(FileTransfer, 'onPayload:file');
 */
export interface ServiceLoader {
  /** Activates every plugin listing `event` (and what they depend on); rejects naming the plugin that failed. */
  activate(event: string): Promise<void>;
  /**
   * Activates `event` (if given), then resolves the service bound to `id`. When nothing binds it:
   * E_SERVICE_MISSING, its message led by `missing` if given ("sending files needs the payload-file plugin").
   */
  load<T>(id: ServiceId<T>, event?: string, missing?: string): Promise<T>;
  /** As load, for a service bound by name (`PayloadType` named "file"). */
  loadNamed<T>(id: ServiceId<T>, name: string, event?: string, missing?: string): Promise<T>;
  /** Activates `event` (if given), then every service bound to `id` (none: an empty list). */
  loadAll<T>(id: ServiceId<T>, event?: string): Promise<T[]>;
}
export const ServiceLoader = Symbol('ServiceLoader');

/**
 * Every binding of a multi-bound identifier (Codec, DirectoryBackend …), resolved on each call
 * so plugins activated later are seen too (Theia's ContributionProvider). Inject it named after
 * the identifier it collects:
 *
 *     constructor(@inject(ContributionProvider) @named(Codec) private readonly codecs: ContributionProvider<Codec>) {}
 */
export interface ContributionProvider<T> {
  getContributions(): T[];
}
export const ContributionProvider = Symbol('ContributionProvider');

/** A contribution-point entry with the id of the plugin whose manifest declares it. */
export type Contributed<T> = T & { readonly pluginId: string };

/**
 * What the manifests of enabled, loadable plugins declare, whether or not the plugins are active:
 * how a consumer picks providers through the contribution points (the punch strategies of a call,
 * the codecs a voice call offers) before activating them.
 */
export interface Contributions {
  of<P extends keyof ContributionEntries>(point: P): Array<Contributed<ContributionEntries[P]>>;
}
export const Contributions = Symbol('Contributions');
