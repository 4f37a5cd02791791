import { fingerprint, policyAllows, SecurityErrors, SignalError, type OwnedDatagramSocket, type PinholeError } from '@pinhole/core';
import { fromCandidateMsg, toCandidateMsg, type Msg } from '../protocol';
import { planOf } from './call-plan';
import { tendPath } from './path-upgrade';
import { raceAbort } from './abort';
import type { CallContext } from './call-context';
import { openCalleePath, windowOf } from './window';

/**
 * Callee side (spec Figure 6, steps 82–86). Before anything goes on the wire the caller is
 * vetted here too — the manager is not trusted with it: the key the manager announced must be
 * allowed by our own policy, must match our pin for that name, and the caller must be within
 * its call budget. Then observers see the OpenWindow (a notify tap may refuse by throwing), the
 * openWindow strategies open our firewall toward the caller (the null packet) while we listen
 * for its handshake, and only then WindowOpened goes to the manager. A refusal or failure
 * becomes a Reject.
 */
export async function answerCall(c: CallContext, ow: Msg<'openWindow'>): Promise<void> {
  const { callId, callerId } = ow;
  if (c.calls.get(callId)) return; // a repeat of an OpenWindow we are already handling
  const entry = c.calls.open(callId, 'callee', callerId);
  entry.mark('openWindow');
  c.offered({ callId, peer: callerId });
  const timer = setTimeout(
    () => entry.abort.abort(new SignalError('E_CALL_SETUP_TIMEOUT', `call ${callId} from "${callerId}" was not set up within ${c.options.callTimeoutMs} ms`, { callId })),
    c.options.callTimeoutMs,
  );
  try {
    const callerKey = await vetCaller(c, callerId, ow.callerKey);
    await c.hooks.notify.for('openWindow').promise({ kind: 'openWindow', callId, body: ow });
    const remoteCandidates = (ow.callerCandidates ?? []).map(fromCandidateMsg);
    const plan = planOf(ow, 'callee', c.ownNat());
    const path = await openCalleePath(
      c,
      { callId, localEndpoint: ow.calleeEndpoint, remoteEndpoint: ow.callerEndpoint, remoteCandidates: () => remoteCandidates, remoteKey: callerKey, plan, signal: entry.abort.signal },
      () => entry.mark('windowOpen'),
    );
    // Until the session takes them over, the prepared windows end with the call.
    let tended = false;
    entry.cleanup.push(() => tended || Promise.all(path.windows.map((w) => (w.socket as OwnedDatagramSocket | undefined)?.close?.())));
    entry.abort.signal.addEventListener('abort', () => path.cancel(), { once: true });
    const nullPackets = path.windows.reduce((n, w) => n + (Number(w.detail?.nullPackets ?? 0) || 0), 0);
    c.send({ windowOpened: { callId, nullPackets, candidates: path.candidates.map(toCandidateMsg) } });
    entry.mark('windowOpened');
    // A relay allocated after it: its address follows in a second WindowOpened (while the call is still being set up).
    void path.late.then((candidates) => {
      if (candidates.length === 0 || !c.calls.isLive(entry) || entry.session) return;
      try {
        c.send({ windowOpened: { callId, nullPackets: 0, candidates: candidates.map(toCandidateMsg) } });
        entry.mark('relayOpened');
      } catch {
        // manager gone: the direct path is all the caller gets
      }
    });
    const session = await raceAbort(path.established, entry.abort.signal);
    c.calls.attach(entry, session);
    entry.mark('handshake');
    await raceAbort(session.firstDatagram(c.options.callTimeoutMs), entry.abort.signal);
    entry.mark('firstDatagram');
    tended = true;
    tendPath(c, entry, session, path.windows, plan, remoteCandidates);
    const window = windowOf(path.windows, session.path, c.media.socket);
    if (session.security) await c.knownPeers.pin(callerId, session.security.remotePublicKey).catch((err) => c.log.warn('could not pin the caller\'s key', { error: (err as Error).message }));
    c.established({
      callId,
      role: 'callee',
      remotePeerId: callerId,
      window,
      session,
      payloadTypes: ow.payloadTypes ?? [],
      timeline: entry.timeline,
      setupMs: entry.elapsed(),
      security: session.security && { remoteFingerprint: session.security.remoteFingerprint, pattern: session.security.pattern },
    });
  } catch (err) {
    // A tap's error (TapError) keeps the tap's code; the message names the plugin.
    const cause = err as PinholeError;
    const code = cause?.code ?? 'E_WINDOW_FAILED';
    if (c.calls.isLive(entry)) {
      if (entry.session) {
        await c.calls.end(callId, `setup failed: ${code}`, { tellManager: true });
      } else {
        try {
          c.send({ reject: { callId, code, reason: cause?.message ?? String(cause) } });
        } catch {
          // manager gone: the caller's node times the call out
        }
        await c.calls.end(callId, `refused: ${code}`, { tellManager: false });
      }
    }
    c.log.info('incoming call not established', { callId, caller: callerId, code, message: cause?.message });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Our own check of the caller, whatever the manager decided: its key (as the manager announced
 * it; the handshake proves it) against our policy, our pin for its name, and its call budget.
 */
async function vetCaller(c: CallContext, callerId: string, key: Uint8Array | undefined): Promise<Uint8Array> {
  if (c.insecure) return key ?? new Uint8Array(0);
  if (!key || key.length !== 32) throw new SignalError('E_PROTOCOL', `the OpenWindow from "${callerId}" carries no caller key; is the manager of this version?`);
  if (!policyAllows(c.policy, callerId, key))
    throw new SignalError('E_NOT_ALLOWED', `"${c.peerId}" does not take calls from "${callerId}" (fingerprint ${fingerprint(key)}); its owner can allow it with --allow ${callerId} or --allow ${fingerprint(key)}`);
  const pin = await c.knownPeers.check(callerId, key);
  if (pin.status === 'changed') throw SecurityErrors.PEER_KEY_CHANGED(callerId, fingerprint(pin.pinned), fingerprint(pin.presented), c.knownPeers.file);
  if (!c.budget.take(fingerprint(key)))
    throw new SignalError('E_RATE_LIMITED', `"${callerId}" called more than ${c.options.callsPerMinutePerCaller} times in a minute; try again later`);
  return key;
}
