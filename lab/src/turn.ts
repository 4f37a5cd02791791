/**
 * The lab's TURN server: a real coturn in the internet namespace (use-auth-secret REST
 * credentials, TLS with a fresh certificate), detached like the delay lines so the lab outlives
 * the process that started it. Its pid is kept with the lab's helper pids.
 */
import { spawn } from 'child_process';
import { randomBytes } from 'crypto';
import { closeSync, openSync } from 'fs';
import { join } from 'path';
import { LabError } from '@pinhole/core';
import { LabPlan, TURN_ADDRESS, TURN_ADDRESS6 } from './plan';
import { findTool, toolEnv } from './prereq';
import { writeCoturnConfig } from './coturn-config';
import { run } from './shell';
import type { LabTurn } from './types';

export const TURN_PORT = 3478;
export const TURN_TLS_PORT = 5349;
const READY_TIMEOUT_MS = 5000;

export async function startLabTurn(plan: LabPlan, work: string): Promise<{ turn: LabTurn; pid: number }> {
  const ipv6 = plan.options.ipv6;
  const ips = [TURN_ADDRESS, ...(ipv6 ? [TURN_ADDRESS6] : [])];
  // Hex: a secret passed as a command-line value must not start with a dash.
  const secret = randomBytes(18).toString('hex');
  const realm = 'pinhole.lab';
  const { confFile, certFile } = writeCoturnConfig({ dir: work, listeningIps: ips, relayIps: ips, port: TURN_PORT, tlsPort: TURN_TLS_PORT, relayPorts: [49152, 65535], secret, realm, extra: ['no-multicast-peers'] });
  const out = openSync(join(work, 'turnserver.out'), 'a');
  const child = spawn('ip', ['netns', 'exec', plan.inetNs, findTool('turnserver') ?? 'turnserver', '-c', confFile], { detached: true, stdio: ['ignore', out, out], env: toolEnv() });
  closeSync(out);
  child.unref();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const res = await run(['ip', 'netns', 'exec', plan.inetNs, 'ss', '-Hltn']);
    if ([TURN_PORT, TURN_TLS_PORT].every((p) => res.stdout.includes(`${TURN_ADDRESS}:${p}`))) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new LabError('E_LAB_SETUP', `coturn did not start in ${plan.inetNs} (see ${join(work, 'turnserver.out')} and ${join(work, 'turnserver.log')})`, { prefix: plan.prefix });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    turn: { address: TURN_ADDRESS, ...(ipv6 ? { address6: TURN_ADDRESS6 } : {}), port: TURN_PORT, tlsPort: TURN_TLS_PORT, secret, realm, certFile },
    pid: child.pid!,
  };
}
