import * as fs from 'fs';
import * as path from 'path';
import { createLogger, PinholeError, type Logger, type PluginModule } from '@pinhole/core';
import { BUILTIN_PLUGINS_DIR, ContributionPointRegistry, Host, listPluginDirs, ManifestReader, type PinholeConfig } from '@pinhole/core/host';
import { CORE_VERSION } from '@pinhole/core';

/**
 * A plugin to run: the name of an installed one ("payload-file"), a plugin folder (a path), or a
 * module handed over in memory with its manifest (what `require('my-plugin')` and its
 * package.json give).
 */
export type PluginSpec = string | { manifest: object; module: PluginModule; dir?: string };

/** What the peer side needs: call control (and its media, identity and session security) and the default punch strategy. */
export const PEER_PLUGINS: readonly string[] = Object.freeze(['manager-client', 'punch-null-udp']);
/** What a manager needs: the server and the memory directory. */
export const MANAGER_PLUGINS: readonly string[] = Object.freeze(['manager-server', 'directory-memory']);

export interface HostInit {
  /** Which plugins run. Default: every installed one (as the CLI). Given: exactly these and what they depend on. */
  plugins?: readonly PluginSpec[];
  /** Plugin options and switches, as in pinhole.config.json (`{ plugins: { 'payload-file': { options: {…} } } }`). */
  config?: PinholeConfig;
  /** Where diagnostics and events go; default: nowhere (a library is silent). */
  logger?: Logger;
}

export const silentLogger = (): Logger => createLogger({ level: 'silent', events: false });

const isPath = (s: string) => s.includes('/') || s.includes(path.sep) || s.startsWith('.');

/**
 * A Host with the chosen plugins. Names and folders are resolved against the installed plugins;
 * every other installed plugin is disabled (in the config the host reads), so nothing runs that
 * was not asked for — except what the chosen ones depend on (`pinhole.dependencies`).
 */
export function createHost(init: HostInit): Host {
  const logger = init.logger ?? silentLogger();
  const config: PinholeConfig = { ...init.config, log: init.config?.log ?? { level: 'silent' }, plugins: { ...init.config?.plugins } };
  const pluginDirs: string[] = [];
  const inlinePlugins: Array<{ manifest: unknown; module: PluginModule; dir?: string }> = [];
  if (init.plugins) {
    const installed = new Map(installedPlugins().map((p) => [p.id, p]));
    const wanted = new Set<string>();
    const want = (id: string) => {
      if (wanted.has(id)) return;
      const p = installed.get(id);
      if (!p) throw new PinholeError('E_PLUGIN_UNKNOWN', `no plugin "${id}" is installed (installed: ${[...installed.keys()].join(', ')}); pass a plugin folder or module for others`, { plugin: id });
      wanted.add(id);
      for (const d of p.dependencies) want(d);
    };
    for (const spec of init.plugins) {
      if (typeof spec !== 'string') {
        inlinePlugins.push(spec);
        for (const d of ((spec.manifest as { pinhole?: { dependencies?: string[] } }).pinhole?.dependencies ?? [])) want(d);
      } else if (isPath(spec)) {
        const dir = path.resolve(spec);
        if (!fs.existsSync(path.join(dir, 'package.json'))) throw new PinholeError('E_PLUGIN_UNKNOWN', `${spec} is not a plugin folder (no package.json in ${dir})`, { plugin: spec });
        pluginDirs.push(dir);
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { pinhole?: { dependencies?: string[] } };
        for (const d of manifest.pinhole?.dependencies ?? []) want(d);
      } else want(spec);
    }
    for (const id of installed.keys()) if (!wanted.has(id)) config.plugins![id] = { ...config.plugins![id], enabled: false };
  }
  return new Host({ config, log: logger, pluginDirs, inlinePlugins });
}

/**
 * Builds what runs on `host` (a peer, a manager); the host is disposed if that fails, and an
 * abort of `signal` closes what was built.
 */
export async function startOnHost<T extends { close(): Promise<void> }>(host: Host, signal: AbortSignal | undefined, build: () => Promise<T>): Promise<T> {
  try {
    const built = await build();
    signal?.addEventListener('abort', () => void built.close(), { once: true });
    return built;
  } catch (err) {
    await host.dispose();
    throw err;
  }
}

/** The installed plugins (the repository's plugins/): id and dependencies, from their manifests. */
function installedPlugins(): Array<{ id: string; dependencies: string[] }> {
  const reader = new ManifestReader(new ContributionPointRegistry(), CORE_VERSION);
  return listPluginDirs([BUILTIN_PLUGINS_DIR]).map((d) => {
    const desc = reader.read(d);
    return { id: desc.id, dependencies: desc.manifest.pinhole?.dependencies ?? [] };
  });
}
