import { DatagramType, SignalError, type Candidate, type DatagramSession, type Hooks, type WindowRequest, type WindowResult } from '@pinhole/core';
import { alternates } from '../protocol';
import { raceAbort } from './abort';
import type { CallContext } from './call-context';
import { listenForHandshake } from './handshake-listener';
import { insecureProbe, secureProbe } from './probes';

/**
 * Tries the punch strategies in order (each an openWindow hook keyed by its name; the first
 * WindowResult wins, undefined passes to the next). A strategy's error keeps its code
 * (E_WINDOW_TIMEOUT …) and names the plugin; if the call was ended meanwhile, the reason it ended wins.
 */
export async function openWindow(hooks: Hooks, strategies: string[], req: WindowRequest): Promise<WindowResult | undefined> {
  try {
    for (const strategy of strategies) {
      const result = await raceAbort(hooks.openWindow.for(strategy).promise(req), req.signal);
      if (result) return result;
    }
    return undefined;
  } catch (err) {
    if (req.signal.aborted) throw req.signal.reason;
    throw err;
  }
}

export function noStrategy(callId: string, role: 'caller' | 'callee'): SignalError {
  return new SignalError(
    'E_NO_STRATEGY',
    `no punch strategy answered for call ${callId} (${role}): enable a punch plugin (one contributing punchStrategies) such as punch-null-udp (check "pinhole plugins" and plugins.<id>.enabled in pinhole.config.json)`,
    { callId, role },
  );
}

export interface PathParams {
  callId: string;
  localEndpoint: number;
  remoteEndpoint: number;
  remoteCandidates: Candidate[];
  /** The remote peer's key as the manager announced it (and, for the caller, as checked against its pin). */
  remoteKey: Uint8Array;
  signal: AbortSignal;
}

/**
 * Caller: the strategies probe the callee with the first handshake message (or a PING when
 * insecure); the first accepted answer is the path, and its handshake keys the session, which
 * opens on that address accepting the callee's other candidates until one latches.
 */
export async function openCallerPath(c: CallContext, p: PathParams, onWindow: () => void): Promise<{ window: WindowResult; session: DatagramSession }> {
  const ids = { callId: p.callId, localEndpoint: p.localEndpoint, remoteEndpoint: p.remoteEndpoint };
  const probe = c.insecure ? insecureProbe(ids) : secureProbe(c.security!, c.media.socket, c.identity, ids, p.remoteKey);
  const window = await openWindow(c.hooks, await c.strategies(), { role: 'caller', ...ids, remoteCandidates: p.remoteCandidates, socket: c.media.socket, signal: p.signal, probe: probe.probe });
  if (!window) throw noStrategy(p.callId, 'caller');
  onWindow();
  const session = await c.media.openSession({
    ...ids,
    role: 'caller',
    remote: window.remote,
    alternates: alternates(p.remoteCandidates, window.remote),
    keepaliveMs: c.options.sessionKeepaliveMs,
    handshake: probe.handshake(),
    insecure: c.insecure,
  });
  // The callee's session waits for a first sealed datagram to know we hold the keys too.
  session.send(Buffer.alloc(0), DatagramType.KEEPALIVE);
  return { window, session };
}

/**
 * Callee: listen for the caller's handshake first (it may arrive the moment the window opens),
 * then let the strategies open our firewall (the null packet). `established` settles with the
 * session once the handshake completed; an insecure call opens its session at once, as its
 * PING probes are answered by the session itself.
 */
export async function openCalleePath(
  c: CallContext,
  p: PathParams,
  onWindow: () => void,
): Promise<{ window: WindowResult; established: Promise<DatagramSession>; cancel(): void }> {
  const ids = { callId: p.callId, localEndpoint: p.localEndpoint, remoteEndpoint: p.remoteEndpoint };
  const sources = p.remoteCandidates.map((x) => ({ address: x.address, port: x.port }));
  const base = { ...ids, role: 'callee' as const, keepaliveMs: c.options.sessionKeepaliveMs };
  if (c.insecure) {
    const window = await openWindow(c.hooks, await c.strategies(), { role: 'callee', ...ids, remoteCandidates: p.remoteCandidates, socket: c.media.socket, signal: p.signal });
    if (!window) throw noStrategy(p.callId, 'callee');
    onWindow();
    const session = await c.media.openSession({ ...base, remote: window.remote, alternates: alternates(p.remoteCandidates, window.remote), insecure: true });
    return { window, established: Promise.resolve(session), cancel: () => undefined };
  }
  const hs = listenForHandshake(c.security!, c.media.socket, c.identity, ids, p.remoteKey, sources, (result, from) =>
    c.media.openSession({ ...base, remote: from, alternates: alternates(p.remoteCandidates, from), handshake: result }),
  );
  try {
    const window = await openWindow(c.hooks, await c.strategies(), { role: 'callee', ...ids, remoteCandidates: p.remoteCandidates, socket: c.media.socket, signal: p.signal });
    if (!window) throw noStrategy(p.callId, 'callee');
    onWindow();
    const established = hs.session;
    // Repeats of message 1 (a lost message 2) are answered until the caller's first sealed datagram.
    void established.then((s) => s.firstDatagram(c.options.callTimeoutMs)).finally(() => hs.dispose()).catch(() => undefined);
    return { window, established, cancel: () => hs.dispose() };
  } catch (err) {
    hs.dispose();
    throw err;
  }
}
