import { SecurityError } from '../errors';

/**
 * The security codes more than one plugin raises or branches on (hyperdht style: every code in
 * one place). Plugin-private ones (key file faults …) live in the plugin's own catalog.
 */
export const SecurityErrors = Object.freeze({
  /** Manager: a registration no tap verified, or whose signature does not check out. */
  REGISTER_AUTH: (why: string) =>
    new SecurityError('E_REGISTER_AUTH', `registration not authenticated: ${why}; the peer must sign with its identity key (enable identity-ed25519 on both peer and manager)`),
  /** Manager: a challenge answered a second time. */
  REGISTER_REPLAY: () =>
    new SecurityError('E_REGISTER_REPLAY', 'registration refused: this challenge was already answered; reconnect to get a fresh one'),
  /** A pinned name now presents another key. */
  PEER_KEY_CHANGED: (name: string, pinned: string, presented: string, knownPeersFile: string) =>
    new SecurityError(
      'E_PEER_KEY_CHANGED',
      `the key of "${name}" changed: pinned ${pinned}, now ${presented}. Someone may be impersonating "${name}"; if its owner really made a new key, ` +
        `run \`pinhole id\` on that peer to compare, then remove the line for "${name}" from ${knownPeersFile}`,
      { peer: name, pinned, presented, file: knownPeersFile },
    ),
  /** A session that should be encrypted opened with no protecting `stream` tap. */
  SESSION_UNPROTECTED: (callId: string) =>
    new SecurityError('E_SESSION_UNPROTECTED', `session ${callId} would open unencrypted: no stream:session tap protected it; enable secure-noise (or both ends use --insecure)`, { callId }),
  /** The sender's datagram counter reached MAX_SEALED_COUNTER: a nonce must never repeat. */
  COUNTER_EXHAUSTED: (callId: string) =>
    new SecurityError('E_COUNTER_EXHAUSTED', `session ${callId} has sent as many sealed datagrams as its keys allow; start a new call`, { callId }),
});
