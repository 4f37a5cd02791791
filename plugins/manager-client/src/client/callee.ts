import { SignalError, type PinholeError } from '@pinhole/core';
import { fromCandidateMsg, type Msg } from '../protocol';
import { raceAbort } from './abort';
import type { CallContext } from './call-context';
import { openPath } from './window';

/**
 * Callee side (spec Figure 6, steps 82–86): observers see the OpenWindow (a notify tap may
 * refuse the call by throwing), the openWindow strategies open our firewall toward the
 * caller (the null packet), the session opens so the caller's first datagrams are answered,
 * and only then WindowOpened goes to the manager. A refusal or failure becomes a Reject.
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
    await c.hooks.notify.for('openWindow').promise({ kind: 'openWindow', callId, body: ow });
    const remoteCandidates = (ow.callerCandidates ?? []).map(fromCandidateMsg);
    const { window, session } = await openPath(
      c,
      { role: 'callee', callId, localEndpoint: ow.calleeEndpoint, remoteEndpoint: ow.callerEndpoint, remoteCandidates, signal: entry.abort.signal },
      () => entry.mark('windowOpen'),
    );
    c.calls.attach(entry, session);
    c.send({ windowOpened: { callId, nullPackets: Number(window.detail?.nullPackets ?? 0) || 0 } });
    entry.mark('windowOpened');
    await raceAbort(session.firstDatagram(c.options.callTimeoutMs), entry.abort.signal);
    entry.mark('firstDatagram');
    c.established({ callId, role: 'callee', remotePeerId: callerId, window, session, payloadTypes: ow.payloadTypes ?? [], timeline: entry.timeline, setupMs: entry.elapsed() });
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
