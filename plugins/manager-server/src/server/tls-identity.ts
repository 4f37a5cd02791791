import { createHash, webcrypto, X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, spkiPinText } from '@pinhole/core';

export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
}

export interface TlsIdentity extends TlsMaterial {
  /** spkiPinText of the certificate: what peers pin (known_peers, --manager-fingerprint). */
  pin: string;
  selfSigned: boolean;
  /** Where a self-signed certificate is kept (undefined when made in memory only). */
  dir?: string;
}

const CERT = 'tls-cert.pem';
const KEY = 'tls-key.pem';
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** The pin of a PEM certificate: SHA-256 of its SubjectPublicKeyInfo. */
export function certificatePin(cert: string | Buffer): string {
  const x = new X509Certificate(cert);
  return spkiPinText(createHash('sha256').update(x.publicKey.export({ type: 'spki', format: 'der' })).digest());
}

/** A certificate and key the operator gave (a CA-issued pair is the production setup). */
export function givenTls(m: TlsMaterial): TlsIdentity {
  let pin: string;
  try {
    pin = certificatePin(m.cert);
  } catch (err) {
    throw new ConfigError('E_TLS_FILE', `the TLS certificate is not a PEM X.509 certificate (${(err as Error).message}); pass --tls-cert with a PEM file`);
  }
  return { ...m, pin, selfSigned: false };
}

/**
 * The manager's own self-signed certificate, made once and kept in `dir` (key mode 0600) so its
 * pin survives restarts and peers that pinned it keep trusting it. `dir` undefined: made in
 * memory for this process only (tests, the demo).
 */
export async function selfSignedTls(dir?: string): Promise<TlsIdentity> {
  if (dir) {
    const existing = readPair(dir);
    if (existing) return { ...existing, pin: certificatePin(existing.cert), selfSigned: true, dir };
  }
  const made = await makeSelfSigned();
  if (!dir) return { ...made, pin: certificatePin(made.cert), selfSigned: true };
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Exclusive create: two managers starting at once keep whichever pair was written first.
    fs.writeFileSync(path.join(dir, KEY), made.key, { mode: 0o600, flag: 'wx' });
    fs.writeFileSync(path.join(dir, CERT), made.cert, { mode: 0o644, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new ConfigError('E_TLS_STORE', `cannot keep the manager's TLS certificate in ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; set PINHOLE_HOME to a writable folder, or pass --tls-cert/--tls-key`);
  }
  const kept = readPair(dir) ?? made;
  return { ...kept, pin: certificatePin(kept.cert), selfSigned: true, dir };
}

function readPair(dir: string): TlsMaterial | undefined {
  const certFile = path.join(dir, CERT);
  const keyFile = path.join(dir, KEY);
  if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) return undefined;
  return { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
}

async function makeSelfSigned(): Promise<{ cert: string; key: string }> {
  // @peculiar/x509 resolves its services through tsyringe, which needs the reflect polyfill.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1'),
    name: 'CN=pinhole-manager',
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 20 * 365 * 86400_000),
    signingAlgorithm: ALG,
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem'), key };
}
