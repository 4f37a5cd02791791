/**
 * The lab's TURN server: a real coturn in the internet namespace (use-auth-secret REST
 * credentials, TLS with a fresh certificate), detached like the delay lines so the lab outlives
 * the process that started it. Its pid is kept with the lab's helper pids.
 */
import { spawn } from 'child_process';
import { randomBytes } from 'crypto';
import { closeSync, openSync, writeFileSync } from 'fs';
import { join } from 'path';
import { LabError } from '@pinhole/core';
import { LabPlan, TURN_ADDRESS, TURN_ADDRESS6 } from './plan';
import { findTool, toolEnv } from './prereq';
import { mustRun, run } from './shell';
import type { LabTurn } from './types';

export const TURN_PORT = 3478;
export const TURN_TLS_PORT = 5349;
const READY_TIMEOUT_MS = 5000;

export async function startLabTurn(plan: LabPlan, work: string): Promise<{ turn: LabTurn; pid: number }> {
  const ipv6 = plan.options.ipv6;
  const certFile = join(work, 'turn-cert.pem');
  const keyFile = join(work, 'turn-key.pem');
  const sans = [`IP:${TURN_ADDRESS}`, ...(ipv6 ? [`IP:${TURN_ADDRESS6}`] : [])].join(',');
  await mustRun(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '7', '-subj', '/CN=pinhole-lab-turn', '-addext', `subjectAltName=${sans}`], 'make the TURN certificate');
  const secret = randomBytes(18).toString('base64url');
  const realm = 'pinhole.lab';
  const conf = [
    `listening-ip=${TURN_ADDRESS}`,
    `relay-ip=${TURN_ADDRESS}`,
    ...(ipv6 ? [`listening-ip=${TURN_ADDRESS6}`, `relay-ip=${TURN_ADDRESS6}`] : []),
    `listening-port=${TURN_PORT}`,
    `tls-listening-port=${TURN_TLS_PORT}`,
    'min-port=49152',
    'max-port=65535',
    'use-auth-secret',
    `static-auth-secret=${secret}`,
    `realm=${realm}`,
    'fingerprint',
    'no-cli',
    'no-dtls',
    'no-multicast-peers',
    `cert=${certFile}`,
    `pkey=${keyFile}`,
    `log-file=${join(work, 'turnserver.log')}`,
    'simple-log',
    `pidfile=${join(work, 'turnserver.pid')}`,
  ];
  const confFile = join(work, 'turnserver.conf');
  writeFileSync(confFile, conf.join('\n') + '\n');
  const out = openSync(join(work, 'turnserver.out'), 'a');
  const child = spawn('ip', ['netns', 'exec', plan.inetNs, findTool('turnserver') ?? 'turnserver', '-c', confFile], { detached: true, stdio: ['ignore', out, out], env: toolEnv() });
  closeSync(out);
  child.unref();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const res = await run(['ip', 'netns', 'exec', plan.inetNs, 'ss', '-Hltn']);
    if ([TURN_PORT, TURN_TLS_PORT].every((p) => res.stdout.includes(`${TURN_ADDRESS}:${p}`))) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new LabError('E_LAB_SETUP', `coturn did not start in ${plan.inetNs} (see ${join(work, 'turnserver.out')} and turnserver.log)`, { prefix: plan.prefix });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    turn: { address: TURN_ADDRESS, ...(ipv6 ? { address6: TURN_ADDRESS6 } : {}), port: TURN_PORT, tlsPort: TURN_TLS_PORT, secret, realm, certFile },
    pid: child.pid!,
  };
}
