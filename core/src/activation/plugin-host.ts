import type { interfaces } from 'inversify';
import type { CommandRegistry } from '../cli/command-registry';
import type { LoadedConfig } from '../config/config';
import type { Contributed, Contributions } from '../container/services';
import { disposeAll, toDisposable, type Disposable } from '../disposable';
import { PinholeError, PluginError } from '../errors';
import type { Hooks } from '../hooks/hooks';
import type { PluginCrash } from '../isolation/isolated-plugin';
import { isolationOf, isolationProblem, type Isolation } from '../isolation/settings';
import type { Logger } from '../log';
import type { PluginDescription } from '../manifest/discovery';
import type { ContributionEntries, Problem } from '../manifest/types';
import { byCodeUnit } from '../util/compare';
import { orderByDependencies } from './dependency-order';
import type { PluginModule } from './plugin-context';

export type PluginState = 'invalid' | 'disabled' | 'inactive' | 'activating' | 'active' | 'failed';

/** What `pinhole plugins` shows for one plugin. */
export interface PluginInfo {
  id: string;
  name: string;
  version: string;
  dir: string;
  state: PluginState;
  activationEvents: string[];
  contributes: Record<string, unknown>;
  dependencies: string[];
  problems: Problem[];
  activationMs?: number;
  /** worker: activated in a sandboxed worker thread, its services proxied; none: in the peer process. */
  isolation: Isolation;
}

/** One discovered plugin and its activation state. */
export interface PluginEntry {
  desc: PluginDescription;
  problems: Problem[];
  /** Found while activating (declared but not provided …); replaced on each activation. */
  activationProblems: Problem[];
  state: PluginState;
  activating?: Promise<void>;
  activationMs?: number;
  module?: PluginModule;
  subscriptions: Disposable[];
  isolation: Isolation;
}

/** What activation needs beyond manifests; made on first activation (listing plugins needs none of it). */
export interface PluginRuntime {
  container: interfaces.Container;
  hooks: Hooks;
  commands: CommandRegistry;
}

export interface PluginHostDeps {
  runtime(): PluginRuntime;
  log: Logger;
  config: LoadedConfig;
}

/**
 * Loads manifests, orders plugins by dependency and activates them lazily by event (the steps
 * are in ./activator). Activation order is recorded so deactivation runs in exact reverse.
 */
export class PluginHost {
  private readonly entries = new Map<string, PluginEntry>();
  private order: string[] = [];
  private readonly activated: string[] = [];
  private readonly crashHandlers = new Set<(crash: PluginCrash) => void>();

  constructor(private readonly deps: PluginHostDeps) {}

  /** `thirdParty`: folders of plugins found through the config's pluginPaths (isolated by default). */
  load(descriptions: PluginDescription[], thirdParty: ReadonlySet<string> = new Set()): void {
    const config = this.deps.config.config;
    for (const desc of descriptions) {
      const problems = [...desc.problems];
      const { isolation, configured } = isolationOf(desc.id, config, thirdParty.has(desc.dir));
      if (this.entries.has(desc.id)) {
        const first = this.entries.get(desc.id)!.desc.dir;
        problems.push({ code: 'E_PLUGIN_DUPLICATE', path: '/name', message: `plugin id "${desc.id}" is already provided by ${first}; rename or remove one` });
        this.entries.set(`${desc.id}@${desc.dir}`, { desc, problems, activationProblems: [], state: 'invalid', subscriptions: [], isolation });
        continue;
      }
      const refused = isolation === 'worker' && problems.length === 0 ? isolationProblem(desc.id, desc.manifest, configured) : undefined;
      if (refused) problems.push(refused);
      const enabled = config.plugins?.[desc.id]?.enabled !== false;
      const state: PluginState = problems.length > 0 ? 'invalid' : enabled ? 'inactive' : 'disabled';
      this.entries.set(desc.id, { desc, problems, activationProblems: [], state, subscriptions: [], isolation });
      if (isolation === 'none' && config.plugins?.[desc.id]?.limits)
        this.deps.log.warn(`config sets limits for plugin "${desc.id}", which runs in the peer process: limits apply to isolated plugins ("isolation": "worker")`, { file: this.deps.config.file });
    }
    const loadable = [...this.entries.values()].filter((e) => e.state === 'inactive');
    const graph = new Map(loadable.map((e) => [e.desc.id, e.desc.manifest.pinhole?.dependencies ?? []]));
    const unavailable = new Map<string, string>();
    for (const e of this.entries.values())
      if (e.state === 'disabled') unavailable.set(e.desc.id, 'is disabled in the config; enable it or drop the dependency');
      else if (e.state === 'invalid' && !unavailable.has(e.desc.id)) unavailable.set(e.desc.id, 'has manifest problems (run "pinhole plugins")');
    const { order, problems } = orderByDependencies(graph, unavailable);
    for (const [id, list] of problems) {
      const e = this.entries.get(id)!;
      e.problems.push(...list);
      e.state = 'invalid';
    }
    this.order = order;
    for (const id of Object.keys(this.deps.config.config.plugins ?? {}))
      if (!this.entries.has(id))
        this.deps.log.warn(`config names plugin "${id}", which is not installed`, { file: this.deps.config.file });
  }

  list(): PluginInfo[] {
    return [...this.entries.values()].map((e) => this.info(e)).sort((a, b) => byCodeUnit(a.id, b.id));
  }

  get(id: string): PluginInfo | undefined {
    const e = this.entries.get(id);
    return e && this.info(e);
  }

  /** Activation order among loadable plugins (dependencies first). */
  loadOrder(): string[] {
    return [...this.order];
  }

  /** The entries of contribution point `point` declared by plugins that can run (not invalid, disabled or failed). */
  contributions<P extends keyof ContributionEntries>(point: P): Array<Contributed<ContributionEntries[P]>> {
    const out: Array<Contributed<ContributionEntries[P]>> = [];
    for (const id of this.order) {
      const e = this.entries.get(id)!;
      if (e.state === 'failed') continue;
      const list = e.desc.manifest.contributes?.[point];
      if (Array.isArray(list)) for (const c of list as Array<ContributionEntries[P]>) out.push({ ...c, pluginId: id });
    }
    return out;
  }

  /** The Contributions service (bound in the container) over this host's manifests. */
  contributionsService(): Contributions {
    return { of: (point) => this.contributions(point) };
  }

  /** Activates every loadable plugin listing `event` (and their dependencies); failures are reported per plugin. */
  async activateByEvent(event: string): Promise<void> {
    const ids = this.order.filter((id) => {
      const events = this.entries.get(id)!.desc.activationEvents;
      return events.includes(event) || events.includes('*');
    });
    const failures: unknown[] = [];
    for (const id of ids) await this.activate(id).catch((err) => failures.push(err));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1)
      throw new PluginError('E_ACTIVATION_FAILED', `${failures.length} plugins failed to activate on ${event}: ${failures.map((f) => (f as Error).message).join('; ')}`, { event });
  }

  activate(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return Promise.reject(new PluginError('E_PLUGIN_UNKNOWN', `no plugin "${id}" is installed; run "pinhole plugins" to see what is`, { plugin: id }));
    if (e.state === 'active') return Promise.resolve();
    if (e.activating) return e.activating;
    if (e.state !== 'inactive') {
      const why = e.state === 'disabled' ? 'it is disabled in the config' : e.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
      return Promise.reject(new PluginError('E_PLUGIN_NOT_LOADABLE', `plugin "${id}" cannot be activated: ${why}`, { plugin: id, state: e.state }));
    }
    e.activating = this.doActivate(e).finally(() => (e.activating = undefined));
    return e.activating;
  }

  private async doActivate(e: PluginEntry): Promise<void> {
    const id = e.desc.id;
    e.state = 'activating';
    const started = process.hrtime.bigint();
    try {
      for (const dep of e.desc.manifest.pinhole?.dependencies ?? []) await this.activate(dep);
      // The activation machinery is loaded with the first activation: listing plugins needs none of it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { activatePlugin } = require('./activator') as typeof import('./activator');
      const problems = await activatePlugin(e, this.deps.runtime(), {
        ...this.deps,
        crashed: (entry, crash) => this.crashed(entry, crash),
        restarted: (entry) => this.deps.log.event('plugin.restarted', { plugin: entry.desc.id }),
      });
      for (const p of problems) this.deps.log.warn(`plugin "${id}": ${p.message}`, { code: p.code, path: p.path });
      e.activationProblems = problems;
      e.state = 'active';
      this.activated.push(id);
    } catch (err) {
      e.state = 'failed';
      e.problems.push({ code: err instanceof PinholeError ? err.code : 'E_ACTIVATION_FAILED', path: '/main', message: (err as Error)?.message ?? String(err) });
      await disposeAll(e.subscriptions);
      if (err instanceof PinholeError) throw err;
      throw new PluginError('E_ACTIVATION_FAILED', `plugin "${id}" failed to activate: ${(err as Error)?.message ?? err}`, { plugin: id }, { cause: err });
    } finally {
      e.activationMs = Number(process.hrtime.bigint() - started) / 1e6;
    }
  }

  /**
   * Hears every `plugin.crashed` of an isolated plugin: a call into it timed out, it ran out of
   * memory, exited, threw outside a call, or failed to activate. Also logged as that event.
   */
  onCrashed(handler: (crash: PluginCrash) => void): Disposable {
    this.crashHandlers.add(handler);
    return toDisposable(() => void this.crashHandlers.delete(handler));
  }

  /** An isolated plugin crashed: reported; when it will not be restarted again it is failed and its services unbound. */
  private crashed(e: PluginEntry, crash: PluginCrash): void {
    this.deps.log.event('plugin.crashed', { ...crash });
    for (const h of this.crashHandlers) h(crash);
    if (!crash.gaveUp || crash.cause === 'activate') return;
    e.state = 'failed';
    e.problems.push({ code: 'E_PLUGIN_FAILED', path: '/main', message: `crashed ${crash.crashes} times (last: ${crash.message}) and is not restarted again; fix or disable it` });
    void disposeAll(e.subscriptions).then((errors) => {
      for (const err of errors) this.deps.log.error(`plugin "${e.desc.id}": a subscription failed to dispose`, { error: (err as Error)?.message });
    });
  }

  /** Deactivates in reverse activation order; each plugin's subscriptions are disposed after its deactivate(). */
  async deactivateAll(): Promise<void> {
    while (this.activated.length > 0) {
      const id = this.activated.pop()!;
      const e = this.entries.get(id)!;
      try {
        await e.module?.deactivate?.();
      } catch (err) {
        this.deps.log.error(`plugin "${id}" failed to deactivate`, { error: (err as Error).message });
      }
      for (const err of await disposeAll(e.subscriptions))
        this.deps.log.error(`plugin "${id}": a subscription failed to dispose`, { error: (err as Error)?.message });
      e.state = 'inactive';
    }
  }

  private info(e: PluginEntry): PluginInfo {
    const m = e.desc.manifest;
    return {
      id: e.desc.id,
      name: m.name,
      version: m.version,
      dir: e.desc.dir,
      state: e.state,
      activationEvents: e.desc.activationEvents,
      contributes: m.contributes ?? {},
      dependencies: m.pinhole?.dependencies ?? [],
      problems: [...e.problems, ...e.activationProblems],
      activationMs: e.activationMs,
      isolation: e.isolation,
    };
  }
}
