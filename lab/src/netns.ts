/** Named network namespaces: create, find, empty of processes, delete. */
import { readdirSync, readFileSync } from 'fs';
import { mustRun, run } from './shell';

const NETNS_DIR = '/run/netns';

export function existingNamespaces(): Set<string> {
  try {
    return new Set(readdirSync(NETNS_DIR));
  } catch {
    return new Set();
  }
}

export async function createNamespaces(names: string[]): Promise<void> {
  // One `ip -batch` instead of one process per namespace.
  await mustRun(['ip', '-batch', '-'], 'create namespaces', { input: names.map((n) => `netns add ${n}\n`).join('') });
}

/** Processes whose network namespace is `ns` (delay lines, `lab exec` children, test agents). */
export async function pidsIn(ns: string): Promise<number[]> {
  const res = await run(['ip', 'netns', 'pids', ns]);
  if (res.code !== 0) return [];
  return res.stdout.split(/\s+/).filter(Boolean).map(Number).filter((n) => n > 0 && n !== process.pid);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed child of a process that never reaps (or of PID 1 in a container) stays a zombie.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** SIGKILLs the pids and waits (bounded) until they are gone. */
export async function killAll(pids: number[], waitMs = 2000): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  const deadline = Date.now() + waitMs;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/**
 * Removes the given namespaces if they exist, killing every process inside first
 * (a namespace with a live process outlives `ip netns del`, and so do its TUN devices).
 */
export async function destroyNamespaces(names: string[], extraPids: number[] = []): Promise<void> {
  const present = names.filter((n) => existingNamespaces().has(n));
  const inside = (await Promise.all(present.map(pidsIn))).flat();
  await killAll([...new Set([...extraPids, ...inside])]);
  await Promise.all(present.map((n) => mustRun(['ip', 'netns', 'del', n], `delete namespace ${n}`)));
}
