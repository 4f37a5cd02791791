/** Running external commands (ip, nft, tc…) and turning failures into LabErrors. */
import { spawn } from 'child_process';
import { constants } from 'os';
import { LabError } from '@pinhole/core';
import { toolEnv } from './prereq';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs argv (no shell), collecting output. Never rejects for a non-zero exit; does for spawn errors. */
export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? toolEnv() });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        stderr += `\n[killed after ${opts.timeoutMs} ms]`;
        child.kill('SIGKILL');
      }, opts.timeoutMs);
    }
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? 128 + signalNumber(signal), stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // the command may exit before reading its input
    child.stdin.end(opts.input ?? '');
  });
}

/** Like run(), but a non-zero exit becomes LabError E_LAB_SETUP carrying the command's stderr. */
export async function mustRun(argv: string[], what: string, opts: RunOptions = {}): Promise<RunResult> {
  let res: RunResult;
  try {
    res = await run(argv, opts);
  } catch (err) {
    throw new LabError('E_LAB_SETUP', `Lab setup failed (${what}): cannot run ${argv[0]}: ${(err as Error).message}`, { argv }, { cause: err });
  }
  if (res.code !== 0) {
    throw new LabError('E_LAB_SETUP', `Lab setup failed (${what}): \`${argv.join(' ')}\` exited ${res.code}: ${res.stderr.trim() || res.stdout.trim()}`, {
      argv,
      code: res.code,
      stderr: res.stderr,
    });
  }
  return res;
}

export function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? constants.signals[signal] ?? 0 : 0;
}
