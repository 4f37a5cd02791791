import { formatHostPort, natClass, type Candidate, type DatagramSession, type OwnedDatagramSocket, type SessionPath, type WindowResult } from '@pinhole/core';
import type { CallContext } from './call-context';
import type { CallPlan } from './call-plan';
import type { CallEntry } from './call-table';

/** Direct addresses of the peer probed while relayed (its observed one first). */
const MAX_UPGRADE_TARGETS = 3;
/** Unanswered rounds between two doublings of the probe interval. */
const ROUNDS_PER_DOUBLING = 10;

/** Whether `socket` is, or stands for, the socket the session runs on. */
const carries = (w: WindowResult, path: SessionPath) => {
  const s = w.socket as OwnedDatagramSocket | undefined;
  return !!s && (s === path.socket || s.socketFor?.(path.remote) === path.socket);
};

/**
 * After a call's session is up: the windows it does not run on are closed now (a TURN allocation
 * the call did not need, birthday sockets no probe reached), the others when the call ends. A
 * relayed session keeps trying to go direct (Tailscale-style): both sides probe each other's
 * direct candidates from the media socket with sealed PINGs, paced, backing off; the session
 * moves over when a probe's answer comes back on that path (media-udp), `call.path` is logged,
 * and the relay is closed relayGraceMs later, once what was in flight through it has arrived.
 */
export function tendPath(c: CallContext, entry: CallEntry, session: DatagramSession, windows: WindowResult[], plan: CallPlan, remote: Candidate[]): void {
  const idle = windows.filter((w) => w.socket && !carries(w, session.path));
  const inUse = windows.filter((w) => w.socket && carries(w, session.path));
  for (const w of idle) void close(w);
  entry.cleanup.push(() => Promise.all(inUse.map(close)));
  if (session.path.kind !== 'relay') return;

  const targets = remote.filter((x) => x.kind !== 'relay').slice(0, MAX_UPGRADE_TARGETS);
  // A hard NAT on either side, or no UDP: a direct path needs more than probing the candidates.
  if (natClass(plan.nat.local, plan.nat.remote) !== 'easy' || targets.length === 0) return;
  let rounds = 0;
  let timer: NodeJS.Timeout | undefined;
  const round = () => {
    if (entry.abort.signal.aborted || session.path.kind !== 'relay') return;
    for (const t of targets) session.probePath({ address: t.address, port: t.port });
    const every = Math.min(c.options.upgradeMaxIntervalMs, c.options.upgradeIntervalMs * 2 ** Math.floor(++rounds / ROUNDS_PER_DOUBLING));
    timer = setTimeout(round, every);
    timer.unref();
  };
  const relayedAt = Date.now();
  const sub = session.onPathChange((now, before) => {
    if (now.kind !== 'direct') return;
    clearTimeout(timer);
    sub.dispose();
    c.log.event('call.path', {
      callId: entry.callId,
      peer: entry.remotePeerId,
      path: now.kind,
      remote: formatHostPort(now.remote.address, now.remote.port),
      was: before.kind,
      relayedMs: Date.now() - relayedAt,
      probeRounds: rounds,
    });
    const grace = setTimeout(() => void Promise.all(inUse.map(close)), c.options.relayGraceMs);
    grace.unref();
    entry.cleanup.push(() => clearTimeout(grace));
  });
  entry.cleanup.push(() => (clearTimeout(timer), sub.dispose()));
  // The direct path just failed: the first retry waits one interval.
  timer = setTimeout(round, c.options.upgradeIntervalMs);
  timer.unref();
}

function close(w: WindowResult): Promise<void> {
  return (w.socket as OwnedDatagramSocket | undefined)?.close?.().catch(() => undefined) ?? Promise.resolve();
}
