import * as fs from 'fs';
import { ConfigError } from '../errors';
import type { PeerClientOptions } from '../services/peer-client';

/** The flags every command that makes a peer client takes (peer, call, ping …), for util.parseArgs. */
export const SECURITY_FLAGS = {
  identity: { type: 'string' },
  'known-peers': { type: 'string' },
  ca: { type: 'string' },
  'manager-fingerprint': { type: 'string' },
  insecure: { type: 'boolean', default: false },
} as const;

type SecurityValues = { identity?: string; 'known-peers'?: string; ca?: string; 'manager-fingerprint'?: string; insecure?: boolean };

/** The PeerClientOptions those flags stand for; --ca is read here so a bad path fails before connecting. */
export function securityOptions(v: SecurityValues): Pick<PeerClientOptions, 'identity' | 'knownPeers' | 'ca' | 'managerFingerprint' | 'insecure'> {
  let ca: Buffer | undefined;
  if (v.ca !== undefined) {
    try {
      ca = fs.readFileSync(v.ca);
    } catch (err) {
      throw new ConfigError('E_CA_FILE', `--ca ${v.ca}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give a readable PEM file with the CA certificate(s)`);
    }
  }
  return { identity: v.identity, knownPeers: v['known-peers'], ca, managerFingerprint: v['manager-fingerprint'], insecure: v.insecure };
}
