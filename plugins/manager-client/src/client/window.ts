import { SignalError, tapErrorCause, type Hooks, type WindowRequest, type WindowResult } from '@pinhole/core';
import { raceAbort } from './abort';

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
