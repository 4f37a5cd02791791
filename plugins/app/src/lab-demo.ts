import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CommandIO } from '@pinhole/core';

type LabModule = typeof import('@pinhole/lab');
const BIN = path.resolve(__dirname, '..', '..', '..', 'core', 'bin', 'pinhole.js');

/**
 * `pinhole demo --lab`: the same walk-through across real firewalls — a lab with site kinds
 * a and b, the manager in the "internet" namespace, `pinhole peer` on b and `pinhole call` on a,
 * each a real process in its namespace. Their events are printed as they arrive.
 */
export async function labDemo(io: CommandIO, kinds: { a: string; b: string; delayMs?: number; optimistic?: boolean }): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lab: LabModule = require('@pinhole/lab');
  const pre = lab.checkLabPrerequisites({ delayMs: kinds.delayMs ?? 0 });
  if (!pre.ok) {
    process.stderr.write(`pinhole demo --lab needs: ${pre.missing.join('; ')}\n`);
    return 2;
  }
  const print = (who: string) => (e: Record<string, unknown>) =>
    io.json ? process.stdout.write(JSON.stringify({ ...e, node: who }) + '\n') : process.stdout.write(`${who.padEnd(8)} ${String(e.event).padEnd(18)} ${summary(e)}\n`);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-lab-demo-'));
  const l = await lab.Lab.up({ a: kinds.a as never, b: kinds.b as never, delayMs: kinds.delayMs, prefix: 'phdemo' });
  const procs: InstanceType<LabModule['NdjsonProc']>[] = [];
  const start = (node: 'a' | 'b' | 'manager', args: string[]) => {
    const p = new lab.NdjsonProc(l.exec(node, [process.execPath, BIN, ...args, '--json', ...(io.configFile ? ['--config', io.configFile] : [])]), print(node === 'manager' ? 'manager' : node === 'a' ? 'alice@a' : 'bob@b'));
    procs.push(p);
    return p;
  };
  try {
    process.stdout.write(io.json ? '' : `lab      up                 a=${kinds.a} b=${kinds.b}${kinds.delayMs ? ` delay=${kinds.delayMs}ms` : ''}; manager at ${lab.MANAGER_ADDRESS}\n`);
    const managerAt = `${lab.MANAGER_ADDRESS}:8080`;
    await start('manager', ['manager', '--listen', managerAt, '--udp', `${lab.MANAGER_ADDRESS}:3478`]).waitFor('manager.ready', 10000);
    // The demo's peers get throw-away keys and pins, never the user's own.
    const keys = (id: string) => ['--identity', path.join(home, `${id}.pem`), '--known-peers', path.join(home, `${id}.known_peers`)];
    await start('b', ['peer', '--id', 'bob', '--manager', managerAt, '--allow-any', ...keys('bob'), ...(kinds.optimistic ? ['--optimistic'] : [])]).waitFor('peer.registered', 10000);
    const caller = start('a', ['call', 'bob', '--id', 'alice', '--manager', managerAt, ...keys('alice'), ...(kinds.optimistic ? ['--optimistic'] : [])]);
    const code = await caller.exited;
    await new Promise((r) => setTimeout(r, 300));
    return code;
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await l.down();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

function summary(e: Record<string, unknown>): string {
  const { event: _e, ts: _t, ...rest } = e;
  return Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}
