import type { PeerRecord } from '@pinhole/core';
import type { PeerConnection } from './connection';

/** The peers whose control connection this manager node holds, by id and by STUN probe token. */
export class LocalPeers {
  private readonly byId = new Map<string, PeerConnection>();
  private readonly byToken = new Map<string, string>();

  get(peerId: string): PeerConnection | undefined {
    return this.byId.get(peerId);
  }

  bind(conn: PeerConnection, record: PeerRecord, probeToken: string): void {
    const peerId = record.peerId;
    conn.peerId = peerId;
    conn.publicKey = record.publicKey;
    conn.record = record;
    conn.probeToken = probeToken;
    conn.state = 'registered';
    this.byId.set(peerId, conn);
    this.byToken.set(probeToken, peerId);
  }

  /** Forgets `conn`; false if it was not (or no longer) the connection bound to its peer id. */
  unbind(conn: PeerConnection): boolean {
    if (conn.probeToken) this.byToken.delete(conn.probeToken);
    if (!conn.peerId || this.byId.get(conn.peerId) !== conn) return false;
    this.byId.delete(conn.peerId);
    return true;
  }

  peerForToken(token: string): string | undefined {
    return this.byToken.get(token);
  }

  get size(): number {
    return this.byId.size;
  }

  all(): PeerConnection[] {
    return [...this.byId.values()];
  }
}
