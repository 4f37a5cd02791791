import { randomUUID } from 'crypto';
import { fingerprint, PinholeError, SecurityErrors, SignalError, type Candidate, type CallOptions, type ControlEnvelope, type EstablishedCall } from '@pinhole/core';
import { fromCandidateMsg, type CallRequestMsg } from '../protocol';
import { raceAbort } from './abort';
import type { CallContext } from './call-context';
import { planOf } from './call-plan';
import { tendPath } from './path-upgrade';
import { openCallerPath } from './window';

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
    // The manager picks the strategies from both NATs: ours must have reached it (right after registering it may not have).
    await raceAbort(c.natKnown(), entry.abort.signal);
    // A pinned key goes with the request: the manager refuses at once, routing nothing, if the name now has another key.
    const pinned = await c.knownPeers.pinned(calleeId);
    const request: CallRequestMsg = { callId, calleeId, payloadTypes: opts.payloadTypes ?? [], optimistic: !!opts.optimistic, expectedCalleeKey: pinned };
    c.send({ callRequest: request });
    entry.mark('callRequest');
    const ready = await raceAbort(entry.ready, entry.abort.signal);
    entry.mark('ready');
    // The manager is not trusted with keys: check what it says against our pin before sending anything.
    const calleeKey = await checkCalleeKey(c, calleeId, ready.calleeKey);
    const given = (ready.calleeCandidates ?? []).map(fromCandidateMsg);
    // A relayed address may come later: with the WindowOpened of an optimistic call, or the callee's second one once its relay is allocated.
    const remoteCandidates = () => [...given, ...entry.opened];
    const plan = planOf(ready, 'caller', c.ownNat());
    const { window, windows, session } = await openCallerPath(
      c,
      {
        callId,
        localEndpoint: ready.callerEndpoint,
        remoteEndpoint: ready.calleeEndpoint,
        remoteCandidates,
        remoteKey: calleeKey,
        plan,
        signal: entry.abort.signal,
        relayCandidate: (ms) => (given.some(isRelay) ? Promise.resolve(true) : entry.untilOpened((o) => o.some(isRelay), ms)),
      },
      () => entry.mark('windowOpen'),
    );
    c.calls.attach(entry, session);
    entry.mark('session');
    tendPath(c, entry, session, windows, plan, remoteCandidates());
    // First contact: remember the key we now know is the callee's (TOFU, like SSH).
    if (session.security) await c.knownPeers.pin(calleeId, session.security.remotePublicKey).catch((err) => c.log.warn('could not pin the callee\'s key', { error: (err as Error).message }));
    const setupMs = entry.elapsed();
    report(c, { callId, path: window.path, strategy: window.strategy, setupUs: Math.round(setupMs * 1000), encrypted: !!session.security });
    return {
      callId,
      role: 'caller',
      remotePeerId: calleeId,
      window,
      session,
      payloadTypes: ready.payloadTypes?.length ? ready.payloadTypes : opts.payloadTypes ?? [],
      timeline: entry.timeline,
      setupMs,
      security: session.security && { remoteFingerprint: session.security.remoteFingerprint, pattern: session.security.pattern },
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

/** Tells the manager how the call went (its operator's dashboard shows it); best effort, never fails the call. */
function report(c: CallContext, callReport: NonNullable<ControlEnvelope['callReport']>): void {
  try {
    c.send({ callReport });
  } catch {
    // disconnected: the operator's view misses one call, the call itself is fine
  }
}

/** The callee key from Ready, checked against our pin (E_PEER_KEY_CHANGED on a mismatch; nothing has been sent). */
async function checkCalleeKey(c: CallContext, calleeId: string, key: Uint8Array | undefined): Promise<Uint8Array> {
  if (c.insecure) return key ?? new Uint8Array(0);
  if (!key || key.length !== 32) throw new SignalError('E_PROTOCOL', `the manager's Ready for "${calleeId}" carries no valid callee key; is it a Pinhole manager of this version?`);
  const check = await c.knownPeers.check(calleeId, key);
  if (check.status === 'changed') throw SecurityErrors.PEER_KEY_CHANGED(calleeId, fingerprint(check.pinned), fingerprint(check.presented), c.knownPeers.file);
  return key;
}

const isRelay = (k: Candidate): boolean => k.kind === 'relay';
