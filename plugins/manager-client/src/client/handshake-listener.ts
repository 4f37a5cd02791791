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

const key = (a: DatagramAddress) => `${a.address}:${a.port}`;

/** How many handshake datagrams one call's responder looks at before it stops listening. */
const MAX_HANDSHAKE_DATAGRAMS = 64;

export interface CalleeHandshake extends Disposable {
  /** Settles with the session `open` made from the completed handshake. */
  readonly session: Promise<DatagramSession>;
}

/**
 * The callee's side of the handshake carried in the window-opening probes: listens on the media
 * socket for this call's HANDSHAKE_INIT from the caller's known addresses only, answers with
 * message 2 (re-sent, cached, for a repeated message 1), and opens the session (`open`) when the
 * handshake completes — before message 2 leaves, so the caller's first sealed datagram always
 * finds it. The initiator must hold the key the manager announced for the caller. Anything else —
 * other ids, other sources, other keys, garbage — is dropped without reply, and after
 * MAX_HANDSHAKE_DATAGRAMS nothing more is even looked at.
 */
export function listenForHandshake(
  security: SessionSecurity,
  socket: DatagramSocket,
  identity: Identity,
  ids: { callId: string; localEndpoint: number; remoteEndpoint: number },
  callerKey: Uint8Array,
  sources: DatagramAddress[],
  open: (result: HandshakeResult, from: DatagramAddress) => Promise<DatagramSession>,
): CalleeHandshake {
  const allowed = new Set(sources.map(key));
  const responder = security.responder({ ...ids, identity, checkInitiator: (k) => sameBytes(k, callerKey) });
  let seen = 0;
  let session: Promise<DatagramSession> | undefined;
  let settle!: (s: Promise<DatagramSession>) => void;
  const opened = new Promise<DatagramSession>((resolve) => (settle = (s) => resolve(s)));
  const listener = socket.onDatagram((data, from) => {
    if (!allowed.has(key(from)) || data.length < 16 || data[1] !== DatagramType.HANDSHAKE_INIT) return;
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
      session = open(step.result, { address: from.address, port: from.port });
      settle(session);
      void session.then(reply, () => undefined);
    } else if (session) void session.then(reply, () => undefined);
    else void reply();
  });
  return { session: opened, dispose: () => listener.dispose() };
}
