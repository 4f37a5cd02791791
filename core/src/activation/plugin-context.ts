import type { ContainerModule, interfaces } from 'inversify';
import type { Disposable } from '../disposable';
import type { CommandRegistry } from '../commands';
import type { TapApi } from '../hooks/tap';
import type { Logger } from '../log';
import type { PluginManifest } from '../manifest/discovery';

/** What `activate(context)` receives (VS Code's ExtensionContext, narrowed). */
export interface PluginContext {
  readonly pluginId: string;
  readonly manifest: PluginManifest;
  readonly dir: string;
  /** Everything pushed here is disposed, in reverse order, when the plugin is deactivated. */
  readonly subscriptions: Disposable[];
  /** Taps named after this plugin; each returns a Disposable (also tracked in subscriptions). */
  readonly hooks: TapApi;
  /** Options from the config, validated against contributes.configuration, defaults filled in. */
  readonly options: Record<string, unknown>;
  readonly container: interfaces.Container;
  readonly log: Logger;
  readonly commands: Pick<CommandRegistry, 'register'>;
  /** Lets a plugin pull in providers lazily, e.g. `onDirectory:redis` chosen by its options. */
  activateByEvent(event: string): Promise<void>;
}

/** The shape of a plugin's main module. Everything is optional: a manifest-only plugin is valid. */
export interface PluginModule {
  /** Bound into the host container when the plugin activates, unloaded when it deactivates. */
  containerModule?: ContainerModule;
  activate?(context: PluginContext): void | Promise<void>;
  deactivate?(): void | Promise<void>;
}
