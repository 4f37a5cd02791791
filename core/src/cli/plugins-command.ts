import type { PluginInfo } from '../activation/plugin-host';

/** Human rendering of `pinhole plugins`: one block per plugin, problems indented under it. */
export function renderPlugins(list: PluginInfo[]): string {
  if (list.length === 0) return 'no plugins found (looked in plugins/ and the config\'s pluginPaths)';
  const lines: string[] = [];
  for (const p of list) {
    const time = p.activationMs !== undefined ? ` ${p.activationMs.toFixed(1)}ms` : '';
    lines.push(`${p.id}@${p.version}  [${p.state}${time}${p.isolation === 'worker' ? ', isolated' : ''}]`);
    const contrib = Object.entries(p.contributes)
      .map(([k, v]) => `${k}: ${summarise(v)}`)
      .join('; ');
    if (contrib) lines.push(`  contributes  ${contrib}`);
    if (p.activationEvents.length) lines.push(`  activates on ${p.activationEvents.join(', ')}`);
    if (p.dependencies.length) lines.push(`  depends on   ${p.dependencies.join(', ')}`);
    for (const pr of p.problems) lines.push(`  ! ${pr.code} ${pr.path}: ${pr.message}`);
  }
  return lines.join('\n');
}

function summarise(v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => (x && typeof x === 'object' ? ((x as Record<string, unknown>).name ?? (x as Record<string, unknown>).command ?? '?') : String(x))).join(', ');
  if (v && typeof v === 'object') return Object.keys((v as { properties?: object }).properties ?? v).join(', ') || 'options';
  return String(v);
}
