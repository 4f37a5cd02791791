import type { interfaces } from 'inversify';
import type { PluginManifest, Problem } from '../manifest/types';
import { Codec } from '../services/codec';
import { DirectoryBackend } from '../services/directory';

interface Named {
  name: string;
}

/** Names of every service bound to a multi-bound id; a binding that fails to resolve is reported as such. */
function boundNames(container: interfaces.Container, id: symbol): { names: Set<string>; error?: string } {
  if (!container.isBound(id)) return { names: new Set() };
  try {
    return { names: new Set(container.getAll<Named>(id).map((s) => s.name)) };
  } catch (err) {
    return { names: new Set(), error: (err as Error).message };
  }
}

const entries = (m: PluginManifest, point: string): Array<Record<string, unknown>> => {
  const v = m.contributes?.[point];
  return Array.isArray(v) ? v : [];
};

/**
 * What a plugin's manifest contributes but its activation did not provide: a codec or directory
 * backend it binds no service for, a punch strategy it never taps, a command it registers no
 * CommandContribution for; and openWindow strategies it taps without declaring them (no call
 * would ever run them). Each becomes a problem of that plugin (`pinhole plugins` shows it).
 */
export function checkContributions(
  manifest: PluginManifest,
  rt: { container: interfaces.Container },
  tapped: Set<string>,
  registers: (command: string) => boolean,
): Problem[] {
  const problems: Problem[] = [];
  const missing = (point: string, i: number, message: string) => problems.push({ code: 'E_CONTRIBUTION_UNBOUND', path: `/contributes/${point}/${i}`, message });
  for (const [point, id, what] of [
    ['codecs', Codec, 'Codec'],
    ['directoryBackends', DirectoryBackend, 'DirectoryBackend'],
  ] as const) {
    const list = entries(manifest, point);
    if (list.length === 0) continue;
    const { names, error } = boundNames(rt.container, id);
    list.forEach((c, i) => {
      if (!names.has(String(c.name)))
        missing(point, i, `contributes ${point === 'codecs' ? 'codec' : 'directory backend'} "${String(c.name)}" but binds no ${what} of that name${error ? ` (resolving ${what} failed: ${error})` : ''}; bind one in its containerModule: bind(${what}).to(…)`);
    });
  }
  const strategies = entries(manifest, 'punchStrategies').map((s) => String(s.name));
  strategies.forEach((name, i) => {
    if (!tapped.has(`openWindow:${name}`))
      missing('punchStrategies', i, `contributes punch strategy "${name}" but taps no openWindow.for("${name}"); tap it from a HookContribution`);
  });
  for (const where of tapped) {
    const strategy = where.startsWith('openWindow:') ? where.slice('openWindow:'.length) : undefined;
    if (strategy !== undefined && !strategies.includes(strategy))
      problems.push({
        code: 'E_CONTRIBUTION_UNDECLARED',
        path: '/contributes/punchStrategies',
        message: `taps openWindow for strategy "${strategy}", which its manifest does not contribute, so no call runs it; add { "name": "${strategy}" } to contributes.punchStrategies`,
      });
  }
  entries(manifest, 'commands').forEach((c, i) => {
    if (!registers(String(c.command)))
      missing('commands', i, `contributes command "${String(c.command)}" but binds no CommandContribution for it; contribute(bind, ctx, CommandContribution, …) in its containerModule`);
  });
  return problems;
}

export function undeclaredCommand(command: string): Problem {
  return {
    code: 'E_CONTRIBUTION_UNDECLARED',
    path: '/contributes/commands',
    message: `binds a CommandContribution for "${command}", which its manifest does not contribute, so the CLI does not offer it; add { "command": "${command}", "title": … } to contributes.commands`,
  };
}
