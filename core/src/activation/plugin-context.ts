import type { ContainerModule } from 'inversify';
import type { Disposable } from '../disposable';
import type { Logger } from '../log';
import type { PluginManifest } from '../manifest/types';

/**
 * What a plugin's `containerModule(ctx)` and `activate(ctx)` receive. `O` is the plugin's
 * options type; the host validated the configured options against the manifest's
 * `contributes.configuration` (the only source of their defaults) and filled the defaults in.
 */
export interface PluginContext<O = Record<string, unknown>> {
  readonly pluginId: string;
  readonly manifest: PluginManifest;
  readonly dir: string;
  readonly options: Readonly<O>;
  readonly log: Logger;
  /** Everything pushed here is disposed, in reverse order, when the plugin is deactivated. */
  readonly subscriptions: Disposable[];
}

/**
 * The shape of a plugin's main module; everything is optional (a manifest-only plugin is valid).
 * Services and contributions are bound in `containerModule`, loaded when the plugin activates and
 * unloaded (exactly that module) when it deactivates. `activate`/`deactivate` are for side
 * effects that are not services.
 */
export interface PluginModule {
  containerModule?(ctx: PluginContext<Record<string, unknown>>): ContainerModule;
  activate?(ctx: PluginContext<Record<string, unknown>>): void | Promise<void>;
  deactivate?(): void | Promise<void>;
}
