import { generateKeyPairSync, createPrivateKey } from 'crypto';
import { Ed25519Identity } from '@pinhole/identity-ed25519';

/** An identity held in memory only (no key file): for tests that need keys, not files. */
export function memoryIdentity(name = 'memory'): Ed25519Identity {
  return new Ed25519Identity(generateKeyPairSync('ed25519').privateKey, name);
}

/** The identity of a known 32-byte seed (PKCS#8 prefix for Ed25519 + seed). */
export function seededIdentity(seedHex: string): Ed25519Identity {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedHex, 'hex')]);
  return new Ed25519Identity(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), 'seeded');
}
