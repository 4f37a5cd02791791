import { PinholeError, formatHostPort, type StunErrorCode } from '@pinhole/core';

/**
 * TURN relay faults, one catalog (hyperdht style): each factory names the cause and what to do.
 * Codes are stable; callers branch on them, never on the text.
 */
export class TurnError extends PinholeError {
  static CONNECT(server: string, why: string): TurnError {
    return new TurnError('E_TURN_CONNECT', `cannot reach the TURN server ${server}: ${why}; check the address and that the network lets this transport out (try turn:…?transport=tcp or turns: where UDP is blocked)`, { server });
  }
  static TIMEOUT(server: string, what: string, ms: number): TurnError {
    return new TurnError('E_TURN_TIMEOUT', `the TURN server ${server} did not answer ${what} within ${ms} ms; is it running and reachable over this transport?`, { server, what, ms });
  }
  static AUTH(server: string, username: string, why: string): TurnError {
    return new TurnError(
      'E_TURN_AUTH',
      `the TURN server ${server} refused the credentials of "${username}" (${why}): the manager's --turn-secret must equal the server's static-auth-secret, and REST credentials expire (check both clocks)`,
      { server, username },
    );
  }
  static REFUSED(server: string, what: string, error: StunErrorCode): TurnError {
    const hint = HINTS[error.code] ?? 'see the TURN server log';
    return new TurnError('E_TURN_REFUSED', `the TURN server ${server} refused ${what}: ${error.code} ${error.reason}; ${hint}`, { server, what, status: error.code });
  }
  static BAD_FRAME(server: string, why: string): TurnError {
    return new TurnError('E_TURN_BAD_FRAME', `the TURN server ${server} sent something that is not TURN (${why}); the connection was closed — is this really a TURN server port?`, { server });
  }
  static CLOSED(server: string, why: string): TurnError {
    return new TurnError('E_TURN_CLOSED', `the relay through ${server} is closed (${why}); allocate a new one`, { server });
  }
  static PEER(peer: { address: string; port: number }, why: string): TurnError {
    return new TurnError('E_TURN_PEER', `cannot relay to ${formatHostPort(peer.address, peer.port)}: ${why}`, { peer });
  }
}

const HINTS: Record<number, string> = {
  403: 'the server forbids relaying to that peer address (coturn: denied-peer-ip / no-loopback-peers)',
  437: 'the allocation is gone (expired or the server restarted); allocate again',
  440: 'the server cannot relay to that address family',
  441: 'wrong credentials for this allocation',
  442: 'the server does not relay UDP',
  443: 'the peer address family does not match the allocation',
  486: 'this user has too many allocations (coturn: user-quota); close some',
  508: 'the server is out of relay ports (coturn: min-port/max-port, total-quota)',
};
