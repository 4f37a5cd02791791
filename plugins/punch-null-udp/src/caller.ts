import { formatAddress, ipFamily, SignalError, type DatagramAddress, type WindowRequest, type WindowResult } from '@pinhole/core';
import { STRATEGY, type NullUdpOptions } from './options';
import { orderTargets } from './targets';

/**
 * Caller side (spec ¶49–¶51, step 89): the window is open, so send to the callee. The request's
 * probe (the first handshake message of a secure call) goes to every callee candidate,
 * reflexive first, until one is answered: then datagrams have flowed both ways and the path is
 * known. What the probe is and what a valid answer looks like is the probe's business.
 */
export function openAsCaller(req: WindowRequest, o: NullUdpOptions): Promise<WindowResult | undefined> {
  const targets = orderTargets(req.remoteCandidates).slice(0, o.maxTargets);
  const probe = req.probe;
  if (targets.length === 0 || !probe) return Promise.resolve(undefined);
  const started = process.hrtime.bigint();
  let probes = 0;

  return new Promise<WindowResult | undefined>((resolve, reject) => {
    const finish = (err?: Error, from?: DatagramAddress) => {
      clearInterval(interval);
      clearTimeout(headStart);
      clearTimeout(deadline);
      listener.dispose();
      req.signal.removeEventListener('abort', onAbort);
      if (err) return reject(err);
      resolve({
        strategy: STRATEGY,
        path: 'direct',
        remote: from!,
        detail: { probes, firstAnswerMs: Number(process.hrtime.bigint() - started) / 1e6 },
      });
    };
    const listener = req.socket.onDatagram((data, from) => {
      if (probe.accept(data, from)) finish(undefined, { address: from.address, port: from.port });
    });
    const sendTo = (list: typeof targets) => {
      for (const t of list) {
        probes++;
        req.socket.send(probe.datagram, t.port, t.address).catch(() => undefined);
      }
    };
    // IPv6 first: with a head start, a working direct IPv6 path answers before IPv4 is even tried.
    const v6 = targets.filter((t) => ipFamily(t.address) === 'IPv6');
    const v4 = targets.filter((t) => ipFamily(t.address) !== 'IPv6');
    // Repeats go to IPv6 alone until the head start is over (else the first repeat, one probe
    // interval in, would start IPv4 early and a head start longer than the interval would not hold).
    let v4Due = !(v6.length && v4.length && o.ipv6HeadStartMs > 0);
    const send = () => sendTo(v4Due ? targets : v6);
    const interval = setInterval(send, o.probeIntervalMs);
    const headStart = v4Due
      ? undefined
      : setTimeout(() => {
          v4Due = true;
          sendTo(v4);
        }, o.ipv6HeadStartMs);
    const deadline = setTimeout(
      () =>
        finish(
          new SignalError(
            'E_WINDOW_TIMEOUT',
            `no answer from the callee at ${targets.map(formatAddress).join(', ')} within ${o.probeTimeoutMs} ms: ` +
              `its firewall window did not open for us (a port-randomising "hard" NAT on either side maps the null packet to another port); ` +
              `this path needs port probing or a relay`,
            { callId: req.callId, probes },
          ),
        ),
      o.probeTimeoutMs,
    );
    const onAbort = () => finish(new SignalError('E_ABORTED', `call ${req.callId} was cancelled while opening the window`));
    req.signal.addEventListener('abort', onAbort, { once: true });
    if (headStart) sendTo(v6);
    else send();
  });
}
