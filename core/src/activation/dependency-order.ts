import type { Problem } from '../manifest/types';

/**
 * Orders plugins so each comes after its `pinhole.dependencies`. A plugin with a missing
 * dependency, in a cycle, or depending on such a plugin gets a problem naming the others.
 */
export function orderByDependencies(
  deps: Map<string, string[]>,
  /** Installed but not loadable (disabled, invalid manifest): id -> why. */
  unavailable: Map<string, string> = new Map(),
): { order: string[]; problems: Map<string, Problem[]> } {
  const problems = new Map<string, Problem[]>();
  const add = (id: string, p: Problem) => problems.set(id, [...(problems.get(id) ?? []), p]);
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done' | 'failed'>();

  const visit = (id: string, stack: string[]): boolean => {
    const s = state.get(id);
    if (s === 'done') return true;
    if (s === 'failed') return false;
    if (s === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(id)), id];
      for (const member of new Set(cycle))
        add(member, {
          code: 'E_DEPENDENCY_CYCLE',
          path: '/pinhole/dependencies',
          message: `dependency cycle ${cycle.join(' -> ')}; remove one of these dependencies`,
        });
      for (const member of cycle) state.set(member, 'failed');
      return false;
    }
    state.set(id, 'visiting');
    let ok = true;
    for (const dep of deps.get(id) ?? []) {
      if (unavailable.has(dep)) {
        add(id, { code: 'E_DEPENDENCY_UNAVAILABLE', path: '/pinhole/dependencies', message: `depends on "${dep}", which ${unavailable.get(dep)}` });
        ok = false;
      } else if (!deps.has(dep)) {
        add(id, { code: 'E_DEPENDENCY_MISSING', path: '/pinhole/dependencies', message: `depends on "${dep}", which is not installed; add it to plugins/ or pluginPaths` });
        ok = false;
      } else if (!visit(dep, [...stack, id])) {
        if (state.get(id) !== 'failed')
          add(id, { code: 'E_DEPENDENCY_FAILED', path: '/pinhole/dependencies', message: `depends on "${dep}", which cannot be loaded (see its problems)` });
        ok = false;
      }
    }
    if (state.get(id) === 'failed') return false;
    state.set(id, ok ? 'done' : 'failed');
    if (ok) order.push(id);
    return ok;
  };

  for (const id of [...deps.keys()].sort()) visit(id, []);
  return { order, problems };
}
