import {
  DatagramType,
  encodeDatagram,
  SignalError,
  type Candidate,
  type DatagramAddress,
  type PluginContext,
  type WindowRequest,
  type WindowResult,
} from '@pinhole/core';
import { randomBytes } from 'crypto';

/** The strategy's name: `contributes.punchStrategies[0].name` in the manifest. */
export const STRATEGY = 'template-punch';

/** Mirrors `contributes.configuration` (the host has validated and defaulted them). */
export interface Options {
  probeIntervalMs: number;
  probeTimeoutMs: number;
  stage: number;
}
const DEFAULTS: Options = { probeIntervalMs: 100, probeTimeoutMs: 5000, stage: 10 };

/**
 * Taps openWindow. The host calls every strategy in stage order until one returns a result;
 * returning undefined passes the request to the next. The tap is disposed on deactivation
 * (context.hooks taps are tracked by the host; pushing into context.subscriptions is for
 * anything else the plugin opens).
 */
export function activate(context: PluginContext): void {
  const o: Options = { ...DEFAULTS, ...(context.options as Partial<Options>) };
  context.hooks.openWindow.tap({ stage: o.stage }, (req) => (req.role === 'callee' ? callee(req) : caller(req, o)));
}

/** IPv4 candidates, the public (reflexive) ones first. */
function targets(candidates: Candidate[]): Candidate[] {
  const v4 = candidates.filter((c) => /^\d+\.\d+\.\d+\.\d+$/.test(c.address));
  return [...v4.filter((c) => c.kind === 'reflexive'), ...v4.filter((c) => c.kind !== 'reflexive')];
}

/** Callee: one PING (normal TTL) to each caller candidate opens our firewall towards it. */
async function callee(req: WindowRequest): Promise<WindowResult | undefined> {
  const to = targets(req.remoteCandidates);
  if (to.length === 0) return undefined;
  const probe = encodeDatagram(DatagramType.PING, req.remoteEndpoint, req.localEndpoint, randomBytes(4));
  await Promise.all(to.map((t) => req.socket.send(probe, t.port, t.address).catch(() => undefined)));
  return { strategy: STRATEGY, path: 'direct', remote: { address: to[0].address, port: to[0].port }, detail: { probes: to.length } };
}

/**
 * Caller: send the request's probe to every callee candidate until one answers. The probe is the
 * peer client's (the first Noise handshake message on a secure call, a PING when insecure); the
 * strategy only carries it and asks `probe.accept` whether an incoming datagram is the answer.
 */
function caller(req: WindowRequest, o: Options): Promise<WindowResult | undefined> {
  const to = targets(req.remoteCandidates);
  const probe = req.probe;
  if (to.length === 0 || !probe) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const done = (err?: Error, from?: DatagramAddress): void => {
      clearInterval(timer);
      clearTimeout(deadline);
      sub.dispose();
      req.signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve({ strategy: STRATEGY, path: 'direct', remote: from! });
    };
    const sub = req.socket.onDatagram((data, from) => {
      if (probe.accept(data, from)) done(undefined, from);
    });
    const send = (): void => {
      for (const t of to) req.socket.send(probe.datagram, t.port, t.address).catch(() => undefined);
    };
    const timer = setInterval(send, o.probeIntervalMs);
    const deadline = setTimeout(
      () => done(new SignalError('E_WINDOW_TIMEOUT', `${STRATEGY}: no answer from ${to.map((t) => `${t.address}:${t.port}`).join(', ')} within ${o.probeTimeoutMs} ms; the callee's firewall did not open`, { callId: req.callId })),
      o.probeTimeoutMs,
    );
    const onAbort = (): void => done(new SignalError('E_ABORTED', `${STRATEGY}: call ${req.callId} was cancelled while opening the window`));
    req.signal.addEventListener('abort', onAbort, { once: true });
    send();
  });
}
