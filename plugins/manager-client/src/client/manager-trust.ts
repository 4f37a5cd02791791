import { parseSpkiPin, sameBytes, SecurityError, spkiPinText, type KnownPeers, type Logger } from '@pinhole/core';
import type { ManagerTrust } from './connection';
import { managerPinName, type ManagerAddress } from './manager-address';

/**
 * The client's answer to "do I trust this manager's certificate?" when it does not validate
 * against a CA: the pin given on the command line (--manager-fingerprint) if any, else the one in
 * known_peers, pinned on first contact (TOFU, like SSH). A changed certificate is refused with
 * both pins and the remedy; nothing is sent to that manager.
 */
export function managerTrust(
  addr: ManagerAddress,
  p: { ca?: string | Buffer; managerFingerprint?: string },
  deps: { knownPeers: KnownPeers; log: Logger },
): ManagerTrust {
  const expected = p.managerFingerprint === undefined ? undefined : parseSpkiPin(p.managerFingerprint);
  if (p.managerFingerprint !== undefined && !expected)
    throw new SecurityError('E_BAD_FINGERPRINT', `--manager-fingerprint ${p.managerFingerprint} is not a certificate pin (sha256: followed by 43 base64url characters, as "pinhole manager" prints it)`);
  const name = managerPinName(addr);
  return {
    ca: p.ca === undefined ? undefined : Buffer.from(p.ca),
    async pin(spki: Uint8Array): Promise<void> {
      if (expected) {
        if (sameBytes(expected, spki)) return;
        throw changed(addr, spkiPinText(expected), spkiPinText(spki), 'the --manager-fingerprint you gave');
      }
      const check = await deps.knownPeers.checkManager(name, spki);
      if (check.status === 'match') return;
      if (check.status === 'changed') throw changed(addr, spkiPinText(check.pinned), spkiPinText(check.presented), deps.knownPeers.file, name);
      await deps.knownPeers.pinManager(name, spki);
      deps.log.event('manager.pinned', { manager: addr.text, pin: spkiPinText(spki), file: deps.knownPeers.file });
    },
  };
}

function changed(addr: ManagerAddress, pinned: string, presented: string, source: string, name?: string): SecurityError {
  const remedy = name
    ? `if the manager's operator really changed its certificate, run "pinhole known-peers forget ${name}" (or remove that line from ${source}) and connect again`
    : 'check the fingerprint with the manager\'s operator';
  return new SecurityError(
    'E_MANAGER_KEY_CHANGED',
    `the TLS certificate of the manager at ${addr.text} is not the one pinned: pinned ${pinned}, presented ${presented} (from ${source}). Someone may be intercepting the connection; ${remedy}`,
    { manager: addr.text, pinned, presented },
  );
}
