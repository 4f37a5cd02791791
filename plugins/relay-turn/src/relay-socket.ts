import { toDisposable, type DatagramAddress, type OwnedDatagramSocket } from '@pinhole/core';
import type { TurnClient } from './turn-client';

/**
 * A TURN allocation seen as a datagram socket: sending to a peer relays through the server,
 * and what peers send to the relayed address arrives as datagrams from them. This is what a
 * relayed path hands to the session (WindowResult.socket), so sessions do not care whether
 * their datagrams go direct or through a relay. TTL cannot be set through a relay; it is ignored.
 */
export class RelayDatagramSocket implements OwnedDatagramSocket {
  constructor(readonly client: TurnClient) {}

  /** The relayed port on the TURN server (where peers send to reach us). */
  get localPort(): number {
    return this.client.relayed.port;
  }

  get relayedAddress(): DatagramAddress {
    return this.client.relayed;
  }

  async send(data: Buffer, port: number, address: string): Promise<void> {
    this.client.send({ address, port }, data);
  }

  onDatagram(handler: (data: Buffer, from: DatagramAddress) => void) {
    const d = this.client.onData(handler);
    return toDisposable(() => d.dispose());
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
