/**
 * The delay line (lab/delayline/delayline.c): a detached process in the lab's wire namespace
 * that bridges two veth ends at layer 2 and holds every frame for the delay. Built from source
 * with the system C compiler on first use (and again when the source is newer), so a fresh
 * checkout needs only `cc`. Detached so the lab outlives the `pinhole lab up` that created it.
 */
import { spawn } from 'child_process';
import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync } from 'fs';
import { join } from 'path';
import { LabError } from '@pinhole/core';
import { toolEnv } from './prereq';
import { run } from './shell';

export const DELAYLINE_SOURCE = join(__dirname, '..', 'delayline', 'delayline.c');
export const DELAYLINE_BINARY = join(__dirname, 'pinhole-delayline');
const READY_TIMEOUT_MS = 5000;

export interface DelayLineSpec {
  /** Namespace both devices live in. */
  ns: string;
  dev1: string;
  dev2: string;
  delayMs: number;
  /** Identifies the process as this lab's (checked before killing a pid from the state file). */
  tag: string;
  logFile: string;
}

/** True when the binary exists and is not older than its source. */
export function delayLineBuilt(): boolean {
  try {
    return statSync(DELAYLINE_BINARY).mtimeMs >= statSync(DELAYLINE_SOURCE).mtimeMs;
  } catch {
    return false;
  }
}

/** Compiles the delay line if needed. Concurrent callers each write a temp file and rename it (atomic). */
export async function buildDelayLine(): Promise<void> {
  if (delayLineBuilt()) return;
  const tmp = `${DELAYLINE_BINARY}.${process.pid}.tmp`;
  const res = await run(['cc', '-O2', '-Wall', '-o', tmp, DELAYLINE_SOURCE]).catch((err: Error) => ({ code: 127, stdout: '', stderr: err.message }));
  if (res.code !== 0) {
    rmSync(tmp, { force: true });
    throw new LabError('E_LAB_MISSING_TOOL', `Cannot build the delay line (${DELAYLINE_SOURCE}): ${res.stderr.trim()}. Install a C compiler: apt-get install gcc libc6-dev.`);
  }
  renameSync(tmp, DELAYLINE_BINARY);
}

/** Resolves with the pid once both sockets are bound. */
export function startDelayLine(spec: DelayLineSpec): Promise<number> {
  const log = openSync(spec.logFile, 'a');
  const args = ['netns', 'exec', spec.ns, DELAYLINE_BINARY, '--dev1', spec.dev1, '--dev2', spec.dev2, '--delay-ms', String(spec.delayMs), '--tag', spec.tag];
  // `ip netns exec` execs the binary in place, so the pid is the delay line's.
  const child = spawn('ip', args, { detached: true, stdio: ['ignore', 'pipe', log], env: toolEnv() });
  closeSync(log);
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      let detail = '';
      try {
        detail = readFileSync(spec.logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
      } catch {
        /* no log */
      }
      reject(new LabError('E_LAB_SETUP', `Delay line ${spec.ns}: ${spec.dev1} <-> ${spec.dev2} failed: ${why}${detail ? `: ${detail}` : ''}.`, { ...spec }));
    };
    const timer = setTimeout(() => fail(`not ready after ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    child.on('error', (err) => fail(err.message));
    child.on('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!out.includes('ready\n')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout!.destroy();
      child.unref();
      resolve(child.pid!);
    });
  });
}

/** True if pid is a delay line started with this tag; guards against killing a recycled pid. */
export function isDelayLineOf(pid: number, tagPrefix: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const i = argv.indexOf('--tag');
    return argv[0].endsWith('/pinhole-delayline') && i > 0 && argv[i + 1]?.startsWith(tagPrefix) === true;
  } catch {
    return false;
  }
}
