import {
  DatagramType,
  decodeDatagram,
  sameBytes,
  type DatagramAddress,
  type DatagramSession,
  type DatagramSocket,
  type Disposable,
  type HandshakeResult,
  type Identity,
  type SessionSecurity,
} from '@pinhole/core';
import { SourceFilter } from './source-filter';

/** How many handshake datagrams one call's responder looks at on one socket before it stops listening there. */
const MAX_HANDSHAKE_DATAGRAMS = 64;

export interface CalleeHandshake extends Disposable {
  /** Settles with the session `open` made from the completed handshake. */
  readonly session: Promise<DatagramSession>;
  /** Listens on one more socket (a relay allocated after the others were ready). */
  add(socket: DatagramSocket): void;
}

/**
 * The callee's side of the handshake carried in the window-opening probes: listens on every
 * socket a strategy prepared (the media socket, birthday sockets, a TURN relay) for this call's
 * HANDSHAKE_INIT from the caller's allowed sources only, answers with message 2 through the
 * socket it came on (re-sent, cached, for a repeated message 1 — the caller may try several
 * paths with the same message 1), and opens the session (`open`) when the handshake first
 * completes — before message 2 leaves, so the caller's first sealed datagram always finds it.
 * The initiator must hold the key the manager announced for the caller. Anything else — other
 * ids, other sources, other keys, garbage — is dropped without reply, and after
 * MAX_HANDSHAKE_DATAGRAMS on a socket nothing more is even looked at there.
 */
export function listenForHandshake(
  security: SessionSecurity,
  sockets: DatagramSocket[],
  identity: Identity,
  ids: { callId: string; localEndpoint: number; remoteEndpoint: number },
  callerKey: Uint8Array,
  sources: SourceFilter,
  open: (result: HandshakeResult, from: DatagramAddress, socket: DatagramSocket) => Promise<DatagramSession>,
): CalleeHandshake {
  const responder = security.responder({ ...ids, identity, checkInitiator: (k) => sameBytes(k, callerKey) });
  let session: Promise<DatagramSession> | undefined;
  let settle!: (s: Promise<DatagramSession>) => void;
  const opened = new Promise<DatagramSession>((resolve) => (settle = (s) => resolve(s)));
  let disposed = false;
  const listenOn = (socket: DatagramSocket): Disposable => {
    let seen = 0;
    const listener: Disposable = socket.onDatagram((data, from) => {
      if (!sources.allows(from) || data.length < 16 || data[1] !== DatagramType.HANDSHAKE_INIT) return;
      let d;
      try {
        d = decodeDatagram(data);
      } catch {
        return;
      }
      if (d.dst !== ids.localEndpoint || d.src !== ids.remoteEndpoint) return;
      if (++seen > MAX_HANDSHAKE_DATAGRAMS) return listener.dispose();
      const step = responder.receive(data);
      const reply = () => step.reply && socket.send(step.reply, from.port, from.address).catch(() => undefined);
      if (step.result && !session) {
        session = open(step.result, { address: from.address, port: from.port }, socket);
        settle(session);
        void session.then(reply, () => undefined);
      } else if (session) void session.then(reply, () => undefined);
      else void reply();
    });
    return listener;
  };
  const listeners = sockets.map(listenOn);
  return {
    session: opened,
    add: (socket) => void (!disposed && listeners.push(listenOn(socket))),
    dispose: () => {
      disposed = true;
      listeners.forEach((l) => l.dispose());
    },
  };
}
