import { fromNatMsg, isDirectoryOutage, SignalError, type Directory, type Logger } from '@pinhole/core';
import type { Msg } from '../protocol';
import type { PeerConnection } from './connection';

/**
 * A peer's NAT classification (NatReport): kept on its record, in the directory and on the
 * connection (for a re-claim after a directory outage), where the call router reads it to pick
 * each call's strategies. What a peer says of its own NAT only steers its own calls.
 */
export async function reportNat(conn: PeerConnection, msg: Msg<'natReport'>, directory: Directory, log: Logger): Promise<void> {
  const nat = fromNatMsg(msg.nat);
  if (!nat) throw new SignalError('E_BAD_REQUEST', 'NatReport carries no classification');
  if (conn.record) conn.record.nat = nat;
  await directory.update(conn.peerId!, { nat }).catch((err) => {
    if (!isDirectoryOutage(err)) throw err; // an outage is logged once, by the backend
  });
  log.debug('peer NAT reported', { peer: conn.peerId, ...nat });
}
