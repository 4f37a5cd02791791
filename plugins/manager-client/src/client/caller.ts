import { randomUUID } from 'crypto';
import { PinholeError, SignalError, type CallOptions, type EstablishedCall } from '@pinhole/core';
import { fromCandidateMsg, type CallRequestMsg } from '../protocol';
import { raceAbort } from './abort';
import type { CallContext } from './call-context';
import { openPath } from './window';

/**
 * Caller side (spec Figure 6, steps 80 and 88–89): CallRequest, wait for Ready (the callee's
 * window is open), let the openWindow strategies reach the callee, then open the session on
 * the path that answered. Any failure hangs the call up at the manager and throws with a code.
 */
export async function placeCall(c: CallContext, calleeId: string, opts: CallOptions = {}): Promise<EstablishedCall> {
  const callId = randomUUID();
  const entry = c.calls.open(callId, 'caller', calleeId);
  const budget = opts.timeoutMs ?? c.options.callTimeoutMs;
  const timer = setTimeout(
    () => entry.abort.abort(new SignalError('E_CALL_SETUP_TIMEOUT', `the call to "${calleeId}" was not set up within ${budget} ms; the manager or the callee is slow or unreachable`, { callId })),
    budget,
  );
  const cancel = () => entry.abort.abort(new SignalError('E_ABORTED', `the call to "${calleeId}" was cancelled`, { callId }));
  if (opts.signal?.aborted) cancel();
  opts.signal?.addEventListener('abort', cancel, { once: true });
  try {
    const request: CallRequestMsg = { callId, calleeId, payloadTypes: opts.payloadTypes ?? [], optimistic: !!opts.optimistic };
    c.send({ callRequest: request });
    entry.mark('callRequest');
    const ready = await raceAbort(entry.ready, entry.abort.signal);
    entry.mark('ready');
    const remoteCandidates = (ready.calleeCandidates ?? []).map(fromCandidateMsg);
    const { window, session } = await openPath(
      c,
      { role: 'caller', callId, localEndpoint: ready.callerEndpoint, remoteEndpoint: ready.calleeEndpoint, remoteCandidates, signal: entry.abort.signal },
      () => entry.mark('windowOpen'),
    );
    c.calls.attach(entry, session);
    entry.mark('session');
    return {
      callId,
      role: 'caller',
      remotePeerId: calleeId,
      window,
      session,
      payloadTypes: ready.payloadTypes?.length ? ready.payloadTypes : opts.payloadTypes ?? [],
      timeline: entry.timeline,
      setupMs: entry.elapsed(),
    };
  } catch (err) {
    const code = (err as PinholeError)?.code ?? 'E_INTERNAL';
    // Ended by the manager (Reject, Hangup, lost connection): nothing to tell it. Otherwise hang up.
    await c.calls.end(callId, `setup failed: ${code}`, { tellManager: true });
    throw err;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', cancel);
  }
}
