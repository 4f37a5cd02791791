import { ContainerModule, inject, injectable } from 'inversify';
import {
  contribute,
  DatagramType,
  encodeDatagram,
  HookContribution,
  SignalError,
  type Candidate,
  type DatagramAddress,
  type PluginContext,
  type TapApi,
  type WindowRequest,
  type WindowResult,
} from '@pinhole/core';
import { randomBytes } from 'crypto';

/** The strategy's name: `contributes.punchStrategies[0].name` in the manifest. */
export const STRATEGY = 'template-punch';

/** The plugin's options: contributes.configuration in package.json is their schema and the only source of defaults. */
export interface Options {
  probeIntervalMs: number;
  probeTimeoutMs: number;
}
/** Plugin-private token for the validated options. */
export const Options = Symbol('TemplatePunchOptions');

/**
 * Taps openWindow for this strategy. A call tries the strategies the plugins contribute in their
 * manifests' `stage` order until one returns a result; returning undefined passes to the next.
 * The host disposes the tap when the plugin deactivates.
 */
@injectable()
export class ProbeStrategy implements HookContribution {
  constructor(@inject(Options) private readonly o: Options) {}

  apply(hooks: TapApi): void {
    hooks.openWindow.for(STRATEGY).tap({}, (req) => (req.role === 'callee' ? callee(req) : caller(req, this.o)));
  }
}

/** The one way to bind: a ContainerModule made from the plugin's context (its validated options). */
export function containerModule(ctx: PluginContext<Options>): ContainerModule {
  return new ContainerModule((bind) => {
    bind(Options).toConstantValue(ctx.options);
    contribute(bind, ctx, HookContribution, ProbeStrategy);
  });
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
