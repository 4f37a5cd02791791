import type { PinholeConfig } from '../config/config';
import type { PluginManifest, Problem } from '../manifest/types';
import { readSchema } from '../schemas';

/** Where a plugin runs: in a sandboxed worker thread, or in the peer process. */
export type Isolation = 'worker' | 'none';

/** Resource limits of an isolated plugin (config `plugins.<id>.limits`). */
export interface IsolationLimits {
  maxHeapMb: number;
  callTimeoutMs: number;
  activateTimeoutMs: number;
  maxRestarts: number;
  restartBackoffMs: number;
  batchWindowMs: number;
}

/**
 * VS Code style: third-party code (found through the config's `pluginPaths`) runs isolated
 * unless the config trusts it with `"isolation": "none"`; the built-in plugins (and those an app
 * names in `HostOptions.pluginDirs`) run in the peer process unless the config isolates them.
 */
export function isolationOf(id: string, config: PinholeConfig, thirdParty: boolean): { isolation: Isolation; configured: boolean } {
  const configured = config.plugins?.[id]?.isolation;
  return { isolation: configured ?? (thirdParty ? 'worker' : 'none'), configured: configured !== undefined };
}

let defaults: IsolationLimits | undefined;

/** The plugin's configured limits over the defaults, which live in the config schema alone. */
export function limitsOf(id: string, config: PinholeConfig): IsolationLimits {
  if (!defaults) {
    const props = ((readSchema('config.schema.json').definitions as Record<string, { properties: Record<string, { default: number }> }>).limits).properties;
    defaults = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.default])) as unknown as IsolationLimits;
  }
  return { ...defaults, ...config.plugins?.[id]?.limits };
}

/** Why a contribution point cannot cross to a worker: what it hands the plugin is live, not data. */
const CANNOT_CROSS: Record<string, string> = {
  punchStrategies: "need the peer's UDP socket and its datagrams, live handles a worker thread cannot share",
  payloadTypes: "need the call's session and streams, live handles a worker thread cannot share",
  directoryBackends: "are driven by the manager with live subscriptions, which are not proxied",
  commands: "run with the CLI's streams and the host's services, which are not proxied",
};

/** What may cross: codecs, voice and video (their calls take and give plain data), and the options schema. */
const CAN_CROSS = new Set(['codecs', 'configuration']);

/**
 * The problem with running `manifest`'s plugin in a worker, if any: it contributes something
 * whose service takes live objects (sockets, sessions …). Reported at discovery, so
 * `pinhole plugins` shows it before anything runs.
 */
export function isolationProblem(id: string, manifest: PluginManifest, configured: boolean): Problem | undefined {
  const point = Object.keys(manifest.contributes ?? {}).find((k) => !CAN_CROSS.has(k));
  if (!point) return undefined;
  const why = `${point} ${CANNOT_CROSS[point] ?? 'are not proxied (only codecs are)'}`;
  const because = configured ? `its config says "isolation": "worker"` : 'it was found through pluginPaths, so it runs isolated in a worker by default';
  return {
    code: 'E_ISOLATION_UNSUPPORTED',
    path: `/contributes/${point}`,
    message: `plugin "${id}" cannot run isolated (${because}): its ${why}. To run it in the peer process, trust it: "plugins": { "${id}": { "isolation": "none" } } in pinhole.config.json`,
  };
}
