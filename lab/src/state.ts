/**
 * Persisted lab state, so a later process (`pinhole lab exec`, `lab down`) can find
 * a lab another process set up. Lives on /run (tmpfs): it vanishes on reboot, like
 * the namespaces it describes.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { LabNodes, LabOptions, LabTurn } from './types';

export const STATE_DIR = process.env.PINHOLE_LAB_STATE_DIR ?? '/run/pinhole-lab';

export interface LabState {
  version: 1;
  prefix: string;
  options: Required<LabOptions>;
  nodes: LabNodes;
  /** Helper processes: delay lines, coturn. */
  pids: number[];
  turn?: LabTurn;
  createdAt: string;
}

export const stateFile = (prefix: string): string => join(STATE_DIR, `${prefix}.json`);
/** Per-lab work directory: nft rulesets and delay-line logs, kept for debugging. */
export const workDir = (prefix: string): string => join(STATE_DIR, prefix);

export function writeState(state: LabState): void {
  mkdirSync(STATE_DIR, { recursive: true });
  const file = stateFile(state.prefix);
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + '\n');
  // rename is atomic: a concurrent reader never sees half a file.
  renameSync(`${file}.tmp`, file);
}

export function readState(prefix: string): LabState | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFile(prefix), 'utf8')) as LabState;
    return state.version === 1 ? state : undefined;
  } catch {
    return undefined;
  }
}

export function removeState(prefix: string): void {
  rmSync(stateFile(prefix), { force: true });
  rmSync(workDir(prefix), { recursive: true, force: true });
}

export function prepareWorkDir(prefix: string): string {
  const dir = workDir(prefix);
  mkdirSync(dir, { recursive: true });
  return dir;
}
