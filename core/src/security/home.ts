import * as os from 'os';
import * as path from 'path';

/**
 * Where Pinhole keeps its state (identity key, known_peers, the manager's self-signed TLS
 * certificate): $PINHOLE_HOME, else ~/.pinhole. Undefined when neither is available (no HOME),
 * so callers can ask for an explicit path instead of writing somewhere surprising.
 */
export function pinholeHome(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PINHOLE_HOME) return path.resolve(env.PINHOLE_HOME);
  const home = env.HOME || os.homedir();
  return home ? path.join(home, '.pinhole') : undefined;
}

/** A certificate's pin: SHA-256 of its SubjectPublicKeyInfo (DER), base64url, as `sha256:…`. */
export function spkiPinText(spkiSha256: Uint8Array): string {
  return `sha256:${Buffer.from(spkiSha256).toString('base64url')}`;
}

/** The 32 bytes of a `sha256:…` (or bare base64url) pin a user typed, or undefined. */
export function parseSpkiPin(text: string): Uint8Array | undefined {
  const b64 = text.startsWith('sha256:') ? text.slice(7) : text;
  if (!/^[A-Za-z0-9_-]{43}$/.test(b64)) return undefined;
  const raw = Buffer.from(b64, 'base64url');
  return raw.length === 32 ? new Uint8Array(raw) : undefined;
}
