import { SignalError, tapErrorCause, type Candidate, type DatagramSession, type Hooks, type WindowRequest, type WindowResult } from '@pinhole/core';
import { alternates } from '../protocol';
import { raceAbort } from './abort';
import type { CallContext } from './call-context';

/**
 * Runs the openWindow hook (series-bail over punch strategies). A strategy's own error comes
 * out unwrapped (E_WINDOW_TIMEOUT …); if the call was ended meanwhile, the reason it ended wins.
 */
export async function openWindow(hooks: Hooks, req: WindowRequest): Promise<WindowResult | undefined> {
  try {
    return await raceAbort(hooks.openWindow.promise(req), req.signal);
  } catch (err) {
    if (req.signal.aborted) throw req.signal.reason;
    throw tapErrorCause(err);
  }
}

export function noStrategy(callId: string, role: 'caller' | 'callee'): SignalError {
  return new SignalError(
    'E_NO_STRATEGY',
    `no openWindow strategy answered for call ${callId} (${role}): enable a punch plugin such as punch-null-udp (it activates onStartup; check "pinhole plugins" and plugins.<id>.enabled in pinhole.config.json)`,
    { callId, role },
  );
}

/**
 * Both roles' path: open the window through the strategies, then the session to the address it
 * reached, accepting the peer's other candidates until the first valid datagram latches one.
 */
export async function openPath(
  c: CallContext,
  p: { role: 'caller' | 'callee'; callId: string; localEndpoint: number; remoteEndpoint: number; remoteCandidates: Candidate[]; signal: AbortSignal },
  onWindow: () => void = () => {},
): Promise<{ window: WindowResult; session: DatagramSession }> {
  const window = await openWindow(c.hooks, { ...p, socket: c.media.socket });
  if (!window) throw noStrategy(p.callId, p.role);
  onWindow();
  const session = c.media.openSession({
    callId: p.callId,
    role: p.role,
    localEndpoint: p.localEndpoint,
    remoteEndpoint: p.remoteEndpoint,
    remote: window.remote,
    alternates: alternates(p.remoteCandidates, window.remote),
    keepaliveMs: c.options.sessionKeepaliveMs,
  });
  return { window, session };
}
