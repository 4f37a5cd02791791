/**
 * Starts lab/delayline.py: a detached process bridging a TUN device in a router
 * namespace with one in the internet namespace, adding a fixed one-way delay.
 * Detached so the lab outlives the `pinhole lab up` process that created it.
 */
import { spawn } from 'child_process';
import { closeSync, openSync, readFileSync } from 'fs';
import { join } from 'path';
import { LabError } from '@pinhole/core';
import { toolEnv } from './prereq';

export const DELAYLINE_SCRIPT = join(__dirname, '..', 'delayline.py');
const READY_TIMEOUT_MS = 5000;

export interface DelayLineSpec {
  ns1: string;
  dev1: string;
  ns2: string;
  dev2: string;
  delayMs: number;
  logFile: string;
}

/** Resolves with the pid once both TUN devices exist. */
export function startDelayLine(spec: DelayLineSpec): Promise<number> {
  const log = openSync(spec.logFile, 'a');
  const args = [DELAYLINE_SCRIPT, '--ns1', spec.ns1, '--dev1', spec.dev1, '--ns2', spec.ns2, '--dev2', spec.dev2, '--delay-ms', String(spec.delayMs)];
  const child = spawn('python3', args, { detached: true, stdio: ['ignore', 'pipe', log], env: toolEnv() });
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
      reject(new LabError('E_LAB_SETUP', `Delay line ${spec.ns1}/${spec.dev1} <-> ${spec.ns2}/${spec.dev2} failed: ${why}${detail ? `: ${detail}` : ''}. Check python3 and /dev/net/tun.`, { ...spec }));
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

/** True if pid is a delay line of this lab; guards against killing a recycled pid. */
export function isDelayLineOf(pid: number, inetNs: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => a.endsWith('delayline.py')) && argv.includes(inetNs);
  } catch {
    return false;
  }
}
