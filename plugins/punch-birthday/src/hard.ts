import {
  SignalError,
  type Candidate,
  type DatagramAddress,
  type Disposable,
  type OwnedDatagramSocket,
  type WindowRequest,
  type WindowResult,
} from '@pinhole/core';
import { STRATEGY, type BirthdayOptions } from './options';
import { nullDatagram, probeOf } from './probe';
import { SocketGroup } from './socket-group';

/**
 * Opens up to `n` sibling sockets (fewer if the system runs out of descriptors, but at least one).
 * Each is a fresh mapping on our port-randomising NAT once it sends toward the peer.
 */
export async function openSockets(req: WindowRequest, n: number): Promise<OwnedDatagramSocket[]> {
  const opened = await Promise.allSettled(Array.from({ length: n }, () => req.openSocket!()));
  const sockets = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (sockets.length === 0) {
    const why = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason as Error | undefined;
    throw new SignalError('E_BIRTHDAY_SOCKETS', `could not open any extra UDP socket for port probing: ${why?.message ?? 'unknown'}; raise the open-file limit or lower punch-birthday.sockets`);
  }
  return sockets;
}

/**
 * The opening packets: from every socket to every target, with the low punch TTL so they cross
 * our NAT (creating the mappings the peer's probes will hit) and die before the peer's NAT.
 * The first round is sent now and awaited; repeats follow in the background.
 */
async function punch(req: WindowRequest, sockets: OwnedDatagramSocket[], targets: Candidate[], datagram: Buffer, o: BirthdayOptions): Promise<() => void> {
  // A peer that filters nothing (no firewall, or a full-cone NAT) has no state to disturb: let the
  // packets reach it, so it learns our ports at once instead of searching for them.
  const ttl = punchTtl(req, o);
  const round = () => Promise.all(sockets.flatMap((s) => targets.map((t) => s.send(datagram, t.port, t.address, { ttl }).catch(() => undefined))));
  await round();
  const timers = Array.from({ length: o.punchRepeats - 1 }, (_, i) => setTimeout(() => void (req.signal.aborted || round()), o.punchIntervalMs * (i + 1)));
  return () => timers.forEach(clearTimeout);
}

/** The low punch TTL, or none (full) when the peer's filtering is endpoint-independent. */
export function punchTtl(req: WindowRequest, o: BirthdayOptions): number | undefined {
  return req.nat?.remote?.filtering === 'endpoint-independent' ? undefined : o.punchTtl;
}

/**
 * Hard caller: the peer (easy callee) sprays our public address with null packets. A packet from
 * the peer's address on socket i means i's mapping is reachable: send the probe through it until
 * the answer comes back (accepted by the probe) — that socket is the path.
 */
export async function hardCaller(req: WindowRequest, o: BirthdayOptions, targets: Candidate[]): Promise<WindowResult> {
  const probe = probeOf(req);
  const sockets = await openSockets(req, o.sockets);
  const peerIps = new Set(targets.map((t) => t.address));
  const started = Date.now();
  let probes = 0;
  return new Promise<WindowResult>((resolve, reject) => {
    const hot = new Map<OwnedDatagramSocket, NodeJS.Timeout>();
    let stopPunch = () => {};
    let done = false;
    const subs: Disposable[] = sockets.map((s, i) =>
      s.onDatagram((data, from) => {
        if (done) return;
        if (probe.accept(data, from)) return finish(undefined, i, from);
        if (!peerIps.has(from.address) || hot.has(s)) return;
        const send = () => {
          probes++;
          s.send(probe.datagram, from.port, from.address).catch(() => undefined);
        };
        send();
        hot.set(s, setInterval(send, o.probeIntervalMs));
      }),
    );
    const finish = (err?: Error, i?: number, from?: DatagramAddress) => {
      if (done) return;
      done = true;
      stopPunch();
      clearTimeout(deadline);
      req.signal.removeEventListener('abort', onAbort);
      hot.forEach((t) => clearInterval(t));
      subs.forEach((d) => d.dispose());
      const keep = err ? undefined : sockets[i!];
      void Promise.all(sockets.filter((s) => s !== keep).map((s) => s.close()));
      if (err) return reject(err);
      resolve({
        strategy: STRATEGY,
        path: 'direct',
        remote: from!,
        socket: keep,
        detail: { role: 'hard', sockets: sockets.length, winner: i, probes, ttl: punchTtl(req, o) ?? 'default', firstAnswerMs: Date.now() - started },
      });
    };
    const deadline = setTimeout(
      () =>
        finish(
          new SignalError(
            'E_WINDOW_TIMEOUT',
            `no probe from ${[...peerIps].join(', ')} reached any of our ${sockets.length} sockets within ${o.timeoutMs} ms: the peer's random-port probes missed our port-randomising NAT's mappings (or the peer's NAT is hard too); this path needs a relay`,
            { callId: req.callId, sockets: sockets.length, probes },
          ),
        ),
      o.timeoutMs,
    );
    const onAbort = () => finish(new SignalError('E_ABORTED', `call ${req.callId} was cancelled while probing ports`));
    req.signal.addEventListener('abort', onAbort, { once: true });
    punch(req, sockets, targets, probe.datagram, o).then(
      (stop) => (done ? stop() : (stopPunch = stop)),
      () => undefined,
    );
  });
}

/**
 * Hard callee: open the sockets, send the null packets from each (creating the mappings), and
 * hand back the group: the caller's random-port probes land on one of them, and manager-client's
 * listener answers through the group, which latches onto that socket.
 */
export async function hardCallee(req: WindowRequest, o: BirthdayOptions, targets: Candidate[]): Promise<WindowResult> {
  const sockets = await openSockets(req, o.sockets);
  const group = new SocketGroup(sockets, o.timeoutMs, req.signal);
  const stop = await punch(req, sockets, targets, nullDatagram(req), o);
  req.signal.addEventListener('abort', stop, { once: true });
  return {
    strategy: STRATEGY,
    path: 'direct',
    remote: { address: targets[0].address, port: targets[0].port },
    socket: group,
    detail: { role: 'hard', sockets: sockets.length, ttl: punchTtl(req, o) ?? 'default', repeats: o.punchRepeats, targets: targets.map((t) => `${t.address}:${t.port}`) },
  };
}
