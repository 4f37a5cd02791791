import { SignalError, type Candidate, type DatagramSession, type Hooks, type WindowRequest, type WindowResult } from '@pinhole/core';
import { alternates } from '../protocol';
import { raceAbort } from './abort';
import type { CallContext } from './call-context';

/**
 * Tries the punch strategies in order (each an openWindow hook keyed by its name; the first
 * WindowResult wins, undefined passes to the next). A strategy's error keeps its code
 * (E_WINDOW_TIMEOUT …) and names the plugin; if the call was ended meanwhile, the reason it ended wins.
 */
export async function openWindow(hooks: Hooks, strategies: string[], req: WindowRequest): Promise<WindowResult | undefined> {
  try {
    for (const strategy of strategies) {
      const result = await raceAbort(hooks.openWindow.for(strategy).promise(req), req.signal);
      if (result) return result;
    }
    return undefined;
  } catch (err) {
    if (req.signal.aborted) throw req.signal.reason;
    throw err;
  }
}

export function noStrategy(callId: string, role: 'caller' | 'callee'): SignalError {
  return new SignalError(
    'E_NO_STRATEGY',
    `no punch strategy answered for call ${callId} (${role}): enable a punch plugin (one contributing punchStrategies) such as punch-null-udp (check "pinhole plugins" and plugins.<id>.enabled in pinhole.config.json)`,
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
  const window = await openWindow(c.hooks, await c.strategies(), { ...p, socket: c.media.socket });
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
