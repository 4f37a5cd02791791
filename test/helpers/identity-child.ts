/**
 * A second (third …) process racing for one identity or known_peers file. IPC: child → {ready};
 * parent → {go}; child → {done, …} | {failed, code, message}. All children wait for `go`, so
 * their file operations really start together.
 */
import { createLogger } from '@pinhole/core';
import { KnownPeersFile, loadOrCreateKey, Ed25519Identity } from '@pinhole/identity-ed25519';
import { memoryIdentity } from './identities';

const [, , mode, file, name] = process.argv;
const send = (m: object) => process.send!(m);

async function run(): Promise<object> {
  if (mode === 'key') {
    const k = await loadOrCreateKey(file);
    return { publicKey: new Ed25519Identity(k.privateKey, file).publicKeyText, created: k.created };
  }
  const key = memoryIdentity().publicKey;
  await new KnownPeersFile(file, createLogger({ level: 'silent' })).pin(name, key);
  return { name, key: Buffer.from(key).toString('base64url') };
}

process.once('message', () => {
  run().then(
    (r) => send({ type: 'done', ...r }),
    (err) => send({ type: 'failed', code: (err as { code?: string }).code, message: (err as Error).message }),
  ).finally(() => process.disconnect());
});
send({ type: 'ready' });
