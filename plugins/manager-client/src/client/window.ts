import {
  DatagramType,
  SignalError,
  type Candidate,
  type DatagramSession,
  type DatagramSocket,
  type OwnedDatagramSocket,
  type PinholeError,
  type SessionPath,
  type WindowRequest,
  type WindowResult,
} from '@pinhole/core';
import { alternates } from '../protocol';
import { raceAbort } from './abort';
import type { CallContext } from './call-context';
import { anyPortFrom, strategiesOf, type CallPlan } from './call-plan';
import { listenForHandshake } from './handshake-listener';
import { insecureProbe, secureProbe } from './probes';
import { SourceFilter } from './source-filter';

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
  /** The peer's candidates; for the caller a getter, as a relayed address may arrive late (WindowOpened of an optimistic call). */
  remoteCandidates: () => Candidate[];
  /** The remote peer's key as the manager announced it (and, for the caller, as checked against its pin). */
  remoteKey: Uint8Array;
  /** The manager's plan for the pair: strategies, NATs, relays. */
  plan: CallPlan;
  signal: AbortSignal;
  /**
   * Caller: resolves once the callee's relayed address is known (it may follow Ready: the callee
   * announces its relay when allocated, not before its first WindowOpened), or after `ms`.
   */
  relayCandidate?(ms: number): Promise<boolean>;
}

/**
 * How long a caller's relay stage waits for the callee's relayed address when it is not there yet:
 * longer than the callee's whole allocation ladder (UDP, TCP, then TLS: 2.1–2.6 s in the lab).
 */
const LATE_RELAY_WAIT_MS = 5000;

/** What a call holds besides its session: the windows' sockets, closed when no longer needed. */
export interface CallPath {
  /** The window that carries the session (its strategy and path kind). */
  window: WindowResult;
  /** Every window this side opened (the callee prepares all of them). */
  windows: WindowResult[];
}

const request = (c: CallContext, role: 'caller' | 'callee', p: PathParams): WindowRequest => ({
  role,
  callId: p.callId,
  localEndpoint: p.localEndpoint,
  remoteEndpoint: p.remoteEndpoint,
  remoteCandidates: p.remoteCandidates(),
  socket: c.media.socket,
  signal: p.signal,
  nat: p.plan.nat,
  relayServers: p.plan.relays,
  ...(c.media.openSocket ? { openSocket: () => c.media.openSocket!() } : {}),
});

/** The window a session's path runs on (its socket, or the group standing for it); else the first. */
export function windowOf(windows: WindowResult[], path: SessionPath, media: DatagramSocket): WindowResult {
  const on = (w: WindowResult) => {
    const s = w.socket ?? media;
    return s === path.socket || (s as OwnedDatagramSocket).socketFor?.(path.remote) === path.socket;
  };
  return windows.find(on) ?? windows[0];
}

/**
 * Caller: the strategies the manager named for the pair, in order, each probing with the first
 * handshake message (or a PING when insecure); the first accepted answer is the path. A strategy
 * that fails (E_WINDOW_TIMEOUT …) hands over to the next — birthday probing to the relay, say —
 * with the same message 1, which the callee answers on whichever of its windows it arrives. The
 * session opens on the socket the winner returns (a birthday socket, a TURN relay) or the media socket.
 */
export async function openCallerPath(c: CallContext, p: PathParams, onWindow: () => void): Promise<CallPath & { session: DatagramSession }> {
  const ids = { callId: p.callId, localEndpoint: p.localEndpoint, remoteEndpoint: p.remoteEndpoint };
  const probe = c.insecure ? insecureProbe(ids) : secureProbe(c.security!, c.media.socket, c.identity, ids, p.remoteKey);
  let window: WindowResult | undefined;
  let failure: unknown;
  const relayed = c.relayed();
  for (const strategy of await strategiesOf(c, p.plan, p.callId)) {
    if (relayed.has(strategy) && p.plan.relays?.length && p.relayCandidate) await raceAbort(p.relayCandidate(LATE_RELAY_WAIT_MS), p.signal);
    try {
      window = await raceAbort(c.hooks.openWindow.for(strategy).promise({ ...request(c, 'caller', p), probe: probe.probe }), p.signal);
      if (window) break;
    } catch (err) {
      if (p.signal.aborted) throw p.signal.reason;
      failure = err;
      c.log.info('punch strategy failed; trying the next', { callId: p.callId, strategy, code: (err as PinholeError).code, message: (err as Error).message });
    }
  }
  if (!window) throw failure ?? noStrategy(p.callId, 'caller');
  onWindow();
  const candidates = p.remoteCandidates();
  const session = await c.media.openSession({
    ...ids,
    role: 'caller',
    remote: window.remote,
    socket: window.socket,
    path: window.path,
    alternates: alternates(candidates, window.remote),
    anyPortFrom: anyPortFrom(p.plan, candidates),
    keepaliveMs: c.options.sessionKeepaliveMs,
    handshake: probe.handshake(),
    insecure: c.insecure,
  });
  // The callee's session waits for a first sealed datagram to know we hold the keys too, and latches onto the path it came by.
  session.send(Buffer.alloc(0), DatagramType.KEEPALIVE);
  return { window, windows: [window], session };
}

/**
 * Callee: every strategy the manager named prepares its window at once — null packets, birthday
 * sockets, a TURN allocation — so the caller can fall back from one to the next without another
 * round trip. The direct ones are waited for (WindowOpened goes once the null packet is out); a
 * relayed one (a TURN allocation: round trips to the relay server, the last resort) is not, when
 * a direct one is ready: it joins when allocated and `late` gives its relayed address, for the
 * caller (a second WindowOpened), unless the session is already up (then it is closed at once).
 * We listen for the caller's handshake on every prepared socket and the media socket; the
 * session opens where message 1 first completes the handshake and latches onto the path of the
 * caller's first sealed datagram. An insecure call opens its session at once (its PING probes are
 * answered by the session itself, on any of those sockets).
 */
export async function openCalleePath(
  c: CallContext,
  p: PathParams,
  onWindow: () => void,
): Promise<CallPath & { candidates: Candidate[]; established: Promise<DatagramSession>; cancel(): void; late: Promise<Candidate[]> }> {
  const ids = { callId: p.callId, localEndpoint: p.localEndpoint, remoteEndpoint: p.remoteEndpoint };
  const { windows, late } = await prepareWindows(c, p);
  onWindow();
  const media = c.media.socket;
  const opened = windows.flatMap((w) => w.candidates ?? []);
  const remoteCandidates = p.remoteCandidates();
  const sources = new SourceFilter(remoteCandidates, anyPortFrom(p.plan, remoteCandidates, opened));
  const sockets = [...new Set([media, ...windows.flatMap((w) => (w.socket ? [w.socket] : []))])];
  const pathOf = (s: DatagramSocket) => windows.find((w) => (w.socket ?? media) === s)?.path ?? 'direct';
  const base = { ...ids, role: 'callee' as const, keepaliveMs: c.options.sessionKeepaliveMs, anyPortFrom: sources.anyPortFrom };
  const open = (socket: DatagramSocket, remote: { address: string; port: number }) => ({
    ...base,
    socket,
    remote,
    path: pathOf(socket),
    alternates: alternates(remoteCandidates, remote),
    listen: sockets.filter((s) => s !== socket).map((s) => ({ socket: s, path: pathOf(s) })),
  });
  let established: Promise<DatagramSession>;
  let cancel: () => void = () => undefined;
  let listen: (s: DatagramSocket) => void = () => undefined;
  let up = false;
  if (c.insecure) {
    const first = windows.find((w) => !w.socket) ?? windows[0];
    established = c.media.openSession({ ...open(first.socket ?? media, first.remote), insecure: true });
  } else {
    const hs = listenForHandshake(c.security!, sockets, c.identity, ids, p.remoteKey, sources, (result, from, socket) => c.media.openSession({ ...open(socket, from), handshake: result }));
    established = hs.session;
    cancel = () => hs.dispose();
    listen = (s) => hs.add(s);
    // Repeats of message 1 (a lost message 2, another path) are answered until the caller's first sealed datagram.
    void established.then((s) => s.firstDatagram(c.options.callTimeoutMs)).finally(() => hs.dispose()).catch(() => undefined);
  }
  void established.then(() => (up = true), () => undefined);
  // A relay allocated after WindowOpened: used if the session is not up yet, else given back.
  const joined = late.then((more): Candidate[] => {
    if (more.length === 0) return [];
    if (up || p.signal.aborted) {
      void Promise.all(more.map((w) => (w.socket as OwnedDatagramSocket | undefined)?.close?.())).catch(() => undefined);
      return [];
    }
    const added = more.flatMap((w) => w.candidates ?? []);
    windows.push(...more);
    sources.addAnyPort(added.map((k) => k.address));
    for (const w of more) if (w.socket && !sockets.includes(w.socket)) (sockets.push(w.socket), listen(w.socket));
    return added;
  });
  return { window: windows[0], windows, candidates: opened, established, cancel, late: joined };
}

/**
 * Runs every strategy of the plan for the callee side at once. Resolves with the direct windows
 * once they have all settled (relayed ones still preparing go on in `late`); when no direct one
 * opened a window, with the relayed ones too (and `late` empty); rejects with the first failure
 * when none did.
 */
async function prepareWindows(c: CallContext, p: PathParams): Promise<{ windows: WindowResult[]; late: Promise<WindowResult[]> }> {
  const names = await strategiesOf(c, p.plan, p.callId);
  const req = request(c, 'callee', p);
  // An insecure session opens at once on the sockets prepared by then, so it waits for them all.
  const relayed = c.insecure ? new Set<string>() : c.relayed();
  const runs = names.map((n) => raceAbort(c.hooks.openWindow.for(n).promise(req), p.signal));
  const settle = async (which: number[]) => {
    const settled = await Promise.allSettled(which.map((i) => runs[i]));
    settled.forEach((r, k) => {
      if (r.status === 'rejected' && !p.signal.aborted) c.log.info('punch strategy could not prepare its window', { callId: p.callId, strategy: names[which[k]], code: (r.reason as PinholeError)?.code, message: (r.reason as Error)?.message });
    });
    return { windows: settled.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : [])), failed: settled.find((r): r is PromiseRejectedResult => r.status === 'rejected') };
  };
  const indices = names.map((_, i) => i);
  const direct = indices.filter((i) => !relayed.has(names[i]));
  const slow = indices.filter((i) => relayed.has(names[i]));
  const first = await settle(direct);
  if (p.signal.aborted) throw p.signal.reason;
  if (first.windows.length) return { windows: first.windows, late: slow.length ? settle(slow).then((r) => r.windows) : Promise.resolve([]) };
  const rest = await settle(slow);
  if (p.signal.aborted) throw p.signal.reason;
  if (rest.windows.length) return { windows: rest.windows, late: Promise.resolve([]) };
  throw first.failed?.reason ?? rest.failed?.reason ?? noStrategy(p.callId, 'callee');
}
