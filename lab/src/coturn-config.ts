/**
 * A coturn configuration of the kind Pinhole uses (TURN REST credentials via use-auth-secret, TLS
 * with a fresh self-signed certificate whose IP SANs are the listening addresses, no DTLS, no CLI),
 * written into `dir`. The lab's TURN server and the tests' loopback coturn both start from it.
 */
import { execFileSync } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { toolEnv } from './prereq';

export interface CoturnSetup {
  dir: string;
  listeningIps: string[];
  relayIps: string[];
  port: number;
  tlsPort: number;
  relayPorts: [number, number];
  secret: string;
  realm: string;
  /** Extra config lines (allow-loopback-peers, stale-nonce=…, …). */
  extra?: string[];
}

export interface CoturnFiles {
  confFile: string;
  certFile: string;
  logFile: string;
}

export function writeCoturnConfig(o: CoturnSetup): CoturnFiles {
  const certFile = join(o.dir, 'turn-cert.pem');
  const keyFile = join(o.dir, 'turn-key.pem');
  const logFile = join(o.dir, 'turnserver.log');
  const sans = o.listeningIps.map((ip) => `IP:${ip}`).join(',');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '7', '-subj', '/CN=pinhole-turn', '-addext', `subjectAltName=${sans}`], { stdio: 'ignore', env: toolEnv() });
  const conf = [
    ...o.listeningIps.map((ip) => `listening-ip=${ip}`),
    ...o.relayIps.map((ip) => `relay-ip=${ip}`),
    `listening-port=${o.port}`,
    `tls-listening-port=${o.tlsPort}`,
    `min-port=${o.relayPorts[0]}`,
    `max-port=${o.relayPorts[1]}`,
    'use-auth-secret',
    `static-auth-secret=${o.secret}`,
    `realm=${o.realm}`,
    'fingerprint',
    'no-cli',
    'no-dtls',
    `cert=${certFile}`,
    `pkey=${keyFile}`,
    `log-file=${logFile}`,
    'simple-log',
    `pidfile=${join(o.dir, 'turnserver.pid')}`,
    ...(o.extra ?? []),
  ];
  const confFile = join(o.dir, 'turnserver.conf');
  writeFileSync(confFile, conf.join('\n') + '\n');
  return { confFile, certFile, logFile };
}
