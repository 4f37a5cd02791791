import type { PluginInfo } from './plugin-host';

/**
 * Read-only view of every discovered plugin (active or not), e.g. so the manager can name the
 * installed directory backends when the configured one does not exist.
 */
export interface PluginList {
  list(): PluginInfo[];
}
export const PluginList = Symbol('PluginList');

/** Names contributed to `point` by plugins that can be activated (not invalid, not disabled). */
export function contributedNames(plugins: PluginList, point: string): string[] {
  const names = plugins
    .list()
    .filter((p) => p.state !== 'invalid' && p.state !== 'disabled')
    .flatMap((p) => (Array.isArray(p.contributes[point]) ? (p.contributes[point] as Array<{ name?: unknown }>) : []))
    .map((c) => c.name)
    .filter((n): n is string => typeof n === 'string');
  return [...new Set(names)].sort();
}
