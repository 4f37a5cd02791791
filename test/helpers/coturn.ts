import { execFileSync, spawn, type ChildProcess } from 'child_process';
import { writeCoturnConfig } from '@pinhole/lab';
import * as dgram from 'dgram';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const TURNSERVER = ['/usr/bin/turnserver', '/usr/local/bin/turnserver'].find((p) => fs.existsSync(p));

export interface Coturn {
  /** UDP and TCP share this port (coturn's listening-port). */
  port: number;
  tlsPort: number;
  secret: string;
  realm: string;
  /** The self-signed certificate (IP SAN 127.0.0.1) its TLS listener presents. */
  cert: Buffer;
  relayPorts: [number, number];
  log(): string;
  stop(): Promise<void>;
}

export interface CoturnOptions {
  /** coturn's stale-nonce lifetime in seconds (438 after that). */
  staleNonceS?: number;
  /** Extra listening IPs (RFC 5780 needs two). */
  listeningIps?: string[];
  altPort?: boolean;
  extra?: string[];
}

/** Why coturn cannot run here, or undefined if it can. */
export function coturnMissing(): string | undefined {
  if (!TURNSERVER) return 'turnserver (coturn) is not installed: apt-get install coturn';
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return 'openssl is needed to make the TLS test certificate';
  }
  return undefined;
}

async function freePort(): Promise<number> {
  // Free for both TCP and UDP: coturn listens on both.
  for (;;) {
    const srv = net.createServer();
    const port = await new Promise<number>((r) => srv.listen(0, '127.0.0.1', () => r((srv.address() as net.AddressInfo).port)));
    await new Promise((r) => srv.close(r));
    const u = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((r) => {
      u.once('error', () => r(false));
      u.bind(port, '127.0.0.1', () => r(true));
    });
    u.close();
    if (ok && port < 60000) return port;
  }
}

async function waitTcp(port: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * A real coturn on loopback with random ports, a temp config (use-auth-secret, TLS with a
 * fresh certificate, loopback peers allowed) and its own log; stop() kills it and removes the folder.
 */
export async function startCoturn(o: CoturnOptions = {}): Promise<Coturn> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-coturn-'));
  const ips = ['127.0.0.1', ...(o.listeningIps ?? [])];
  const port = await freePort();
  const tlsPort = await freePort();
  const relayBase = 40000 + Math.floor(Math.random() * 19000);
  const secret = `secret-${process.pid}-${Date.now()}`;
  const realm = 'pinhole.test';
  const files = writeCoturnConfig({
    dir,
    listeningIps: ips,
    relayIps: ['127.0.0.1'],
    port,
    tlsPort,
    relayPorts: [relayBase, relayBase + 200],
    secret,
    realm,
    extra: ['allow-loopback-peers', ...(o.altPort ? [`alt-listening-port=${port + 1}`] : []), ...(o.staleNonceS ? [`stale-nonce=${o.staleNonceS}`] : []), ...(o.extra ?? [])],
  });
  const out: string[] = [];
  const child: ChildProcess = spawn(TURNSERVER!, ['-c', files.confFile, '--log-file', 'stdout'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => out.push(String(d)));
  child.stderr!.on('data', (d) => out.push(String(d)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  if (!(await waitTcp(port, 5000)) || !(await waitTcp(tlsPort, 5000))) {
    await stop();
    throw new Error(`coturn did not start: ${out.join('').slice(-2000)}`);
  }
  return { port, tlsPort, secret, realm, cert: fs.readFileSync(files.certFile), relayPorts: [relayBase, relayBase + 200], log: () => out.join(''), stop };
}
