import { SignalError, type Candidate, type DatagramAddress, type WindowRequest, type WindowResult } from '@pinhole/core';
import { STRATEGY, type BirthdayOptions } from './options';
import { isFromPeer, nullDatagram, probeOf } from './probe';
import type { BirthdayRole } from './roles';
import { spray } from './spray';

/**
 * Caller with a hard callee (`easy`), or plainly (`plain`): send the probe to the callee's
 * candidates and — when it is hard — to random ports of its public address, where its many
 * sockets opened mappings. The first answer the probe accepts is the path.
 */
export function easyCaller(req: WindowRequest, o: BirthdayOptions, targets: Candidate[], role: BirthdayRole): Promise<WindowResult> {
  const probe = probeOf(req);
  const started = Date.now();
  return new Promise<WindowResult>((resolve, reject) => {
    const s = spray(req.socket, probe.datagram, targets, o, role === 'easy');
    const peerIps = new Set(targets.map((t) => t.address));
    const listener = req.socket.onDatagram((data, from) => {
      if (probe.accept(data, from)) return finish(undefined, from);
      // A hard callee's opening packet that got through (we do not filter): it names the port to probe.
      if (peerIps.has(from.address) && isFromPeer(data, req)) s.addTarget({ address: from.address, port: from.port, kind: 'reflexive' });
    });
    const finish = (err?: Error, from?: DatagramAddress) => {
      s.stop();
      clearTimeout(deadline);
      listener.dispose();
      req.signal.removeEventListener('abort', onAbort);
      if (err) return reject(err);
      resolve({ strategy: STRATEGY, path: 'direct', remote: from!, detail: { role, probes: s.sent, randomPorts: s.randomPorts, firstAnswerMs: Date.now() - started } });
    };
    const deadline = setTimeout(
      () =>
        finish(
          new SignalError(
            'E_WINDOW_TIMEOUT',
            role === 'easy'
              ? `no answer from ${targets[0].address} after ${s.randomPorts} random-port probes within ${o.timeoutMs} ms: none hit the callee's port-randomising NAT mappings; this path needs a relay`
              : `no answer from ${targets.map((t) => `${t.address}:${t.port}`).join(', ')} within ${o.timeoutMs} ms`,
            { callId: req.callId, probes: s.sent },
          ),
        ),
      o.timeoutMs,
    );
    const onAbort = () => finish(new SignalError('E_ABORTED', `call ${req.callId} was cancelled while probing`));
    req.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Callee facing a hard caller (`easy`), or plainly: null packets from the media socket to the
 * caller's candidates and (when it is hard) random ports of its public address, in the
 * background until the caller's first datagram for this call arrives, the call ends, or the
 * timeout. Returns at once: the window is opening while the caller is told to go.
 */
export async function easyCallee(req: WindowRequest, o: BirthdayOptions, targets: Candidate[], role: BirthdayRole): Promise<WindowResult> {
  const s = spray(req.socket, nullDatagram(req), targets, o, role === 'easy');
  const peerIps = new Set(targets.map((t) => t.address));
  const stop = () => {
    s.stop();
    clearTimeout(deadline);
    arrived.dispose();
  };
  const arrived = req.socket.onDatagram((data, from) => {
    if (peerIps.has(from.address) && isFromPeer(data, req)) stop();
  });
  const deadline = setTimeout(stop, role === 'easy' ? o.timeoutMs : o.punchIntervalMs * o.punchRepeats);
  deadline.unref();
  req.signal.addEventListener('abort', stop, { once: true });
  await s.first;
  return {
    strategy: STRATEGY,
    path: 'direct',
    remote: { address: targets[0].address, port: targets[0].port },
    detail: {
      role,
      targets: targets.map((t) => `${t.address}:${t.port}`),
      probesPerSecond: role === 'easy' ? o.probesPerSecond : 0,
      /** Random-port probes so far (the spray goes on after this result returns). */
      get sprayed() {
        return s.randomPorts;
      },
    },
  };
}
