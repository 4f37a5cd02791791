import { inject, injectable } from 'inversify';
import {
  formatHostPort,
  ipFamily,
  SignalError,
  type Candidate,
  type DatagramAddress,
  type DatagramSocket,
  type Disposable,
  type HookContribution,
  type TapApi,
  type WindowProbe,
  type WindowRequest,
  type WindowResult,
} from '@pinhole/core';
import { TurnAllocator } from './allocator';
import { allocateFirst, attempts } from './ladder';
import { RelayTurnOptions, STRATEGY } from './options';
import type { RelayDatagramSocket } from './relay-socket';

const text = (a: DatagramAddress) => formatHostPort(a.address, a.port);

/**
 * Taps openWindow for "relay-turn": the path when no direct one can be found — both NATs
 * port-randomising, probing failed, or UDP blocked. The core knows nothing of TURN: the manager
 * advertises the servers with time-limited credentials (WindowRequest.relayServers) and this
 * plugin turns them into a relayed path, a socket the session runs on like any other.
 *
 * - Callee: allocates (UDP, else TCP, else TLS), permits the caller's addresses (every port of
 *   each IP: a hard NAT's port is unknown) and its own relayed IP (a caller relaying through the
 *   same server), and hands back the relay as its window's socket and the relayed address as a
 *   candidate for the caller (WindowOpened: a second one when a direct window was ready first).
 * - Caller: sends its probe (Noise message 1 — the handshake rides through the relay too; the
 *   server sees only ciphertext) to the callee's relayed address, first straight from its media
 *   socket; without an answer (or without UDP at all) it allocates a relay of its own and probes
 *   through that.
 */
@injectable()
export class RelayStrategy implements HookContribution {
  constructor(
    @inject(RelayTurnOptions) private readonly o: RelayTurnOptions,
    @inject(TurnAllocator) private readonly allocator: TurnAllocator,
  ) {}

  apply(hooks: TapApi): void {
    hooks.openWindow.for(STRATEGY).tap({}, (req) => (req.role === 'callee' ? this.callee(req) : this.caller(req)));
  }

  private async callee(req: WindowRequest): Promise<WindowResult | undefined> {
    if (!req.relayServers?.length) return undefined;
    const started = Date.now();
    const relay = await allocateFirst(this.allocator, attempts(req.relayServers, !!req.nat?.local?.udpBlocked), this.o.attemptTimeoutMs, this.o.prepareTimeoutMs, req.signal);
    try {
      const relayed = relay.relayedAddress;
      const ips = [...new Set([...req.remoteCandidates.map((c) => c.address), relayed.address])].filter((ip) => ipFamily(ip) === ipFamily(relayed.address));
      await Promise.allSettled(ips.map((ip) => relay.client.permit(ip)));
      req.signal.addEventListener('abort', () => void relay.close(), { once: true });
      const remote = req.remoteCandidates.find((c) => c.kind === 'reflexive') ?? req.remoteCandidates[0] ?? relayed;
      return {
        strategy: STRATEGY,
        path: 'relay',
        remote: { address: remote.address, port: remote.port },
        socket: relay,
        candidates: [{ address: relayed.address, port: relayed.port, kind: 'relay' }],
        detail: { server: relay.client.server.text, relayed: text(relayed), permitted: ips, allocateMs: Date.now() - started },
      };
    } catch (err) {
      await relay.close();
      throw err;
    }
  }

  private async caller(req: WindowRequest): Promise<WindowResult | undefined> {
    const targets = req.remoteCandidates.filter((c) => c.kind === 'relay');
    const probe = req.probe;
    if (targets.length === 0 || !probe) return undefined;
    const started = Date.now();
    const deadline = started + this.o.timeoutMs;
    const noUdp = !!req.nat?.local?.udpBlocked;
    if (!noUdp) {
      const from = await this.probeVia(req.socket, targets, probe, Math.min(this.o.relayDirectMs, this.o.timeoutMs), req.signal);
      if (from) return { strategy: STRATEGY, path: 'relay', remote: from, detail: { via: 'media socket', relayed: text(from), firstAnswerMs: Date.now() - started } };
    }
    const own = await allocateFirst(this.allocator, attempts(req.relayServers ?? [], noUdp), this.o.attemptTimeoutMs, Math.max(0, deadline - Date.now()), req.signal);
    try {
      await Promise.allSettled(targets.map((t) => own.client.permit(t.address)));
      const from = await this.probeVia(own, targets, probe, Math.max(0, deadline - Date.now()), req.signal);
      if (!from)
        throw new SignalError(
          'E_WINDOW_TIMEOUT',
          `no answer through the relay from ${targets.map(text).join(', ')} within ${this.o.timeoutMs} ms (our relay ${text(own.relayedAddress)} on ${own.client.server.text}); the callee's relay may be gone`,
          { callId: req.callId },
        );
      return {
        strategy: STRATEGY,
        path: 'relay',
        remote: from,
        socket: own,
        detail: { via: 'own relay', server: own.client.server.text, relayed: text(own.relayedAddress), peerRelayed: text(from), firstAnswerMs: Date.now() - started },
      };
    } catch (err) {
      await own.close();
      throw err;
    }
  }

  /** Sends the probe through `socket` to the targets every probeIntervalMs until one is answered (its address) or `ms` pass (undefined). */
  private probeVia(socket: DatagramSocket | RelayDatagramSocket, targets: Candidate[], probe: WindowProbe, ms: number, signal: AbortSignal): Promise<DatagramAddress | undefined> {
    if (ms <= 0) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      let sub: Disposable | undefined;
      const done = (err?: unknown, from?: DatagramAddress) => {
        clearInterval(every);
        clearTimeout(timer);
        sub?.dispose();
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(from);
      };
      sub = socket.onDatagram((data, from) => {
        if (probe.accept(data, from)) done(undefined, { address: from.address, port: from.port });
      });
      const send = () => targets.forEach((t) => socket.send(probe.datagram, t.port, t.address).catch(() => undefined));
      const every = setInterval(send, this.o.probeIntervalMs);
      const timer = setTimeout(() => done(), ms);
      const onAbort = () => done(new SignalError('E_ABORTED', 'the call was cancelled while probing through the relay'));
      signal.addEventListener('abort', onAbort, { once: true });
      send();
    });
  }
}
