import * as fs from 'fs';
import { ConfigError } from '../errors';
import type { PeerClientOptions } from '../services/peer-client';

/** The flags every command that makes a peer client takes (peer, call, ping …): command-spec options (util.parseArgs reads them as they are). */
export const SECURITY_FLAGS = {
  identity: { type: 'string', arg: 'FILE', defaultText: '$PINHOLE_HOME/identity.pem, else ~/.pinhole/identity.pem', description: 'this peer\'s Ed25519 key file (made on first use, mode 0600)' },
  'known-peers': { type: 'string', arg: 'FILE', defaultText: 'known_peers beside the identity file', description: 'pinned peer keys and manager certificates' },
  ca: { type: 'string', arg: 'FILE', description: 'validate the manager\'s TLS certificate against this PEM CA (instead of pinning it)' },
  'manager-fingerprint': { type: 'string', arg: 'PIN', description: 'the manager certificate\'s pin (sha256:…, as manager.ready prints it), instead of trusting it on first contact' },
  insecure: { type: 'boolean', default: false, description: 'plain TCP/WebSocket to the manager and unencrypted sessions, for debugging (every end must use it)' },
} as const;

/** The options of every command that registers a peer (peer, call, ping): where the manager is, the media socket, and SECURITY_FLAGS. */
export const CLIENT_FLAGS = {
  manager: { type: 'string', arg: 'HOST:PORT[,…]', defaultText: 'the config\'s plugins.manager-client.options.managers', description: 'the manager: HOST:PORT or tls://HOST:PORT (TLS frames), wss://HOST:PORT (TLS WebSocket); tcp:// and ws:// only with --insecure; [V6]:PORT for IPv6; several nodes of one deployment comma-separated (fail-over)' },
  'udp-port': { type: 'string', arg: 'N', default: '0', description: 'UDP port of the media socket (0: any free one)' },
  'udp-host': { type: 'string', arg: 'ADDR', defaultText: 'every IPv4 interface', description: 'address the media socket binds' },
  ...SECURITY_FLAGS,
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
