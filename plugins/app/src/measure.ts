import type { EstablishedCall, PinholeError } from '@pinhole/core';
import { median, round } from './stats';

/**
 * RTT over the direct path: `count` PING/PONG round trips, spaced so they do not queue. A lost
 * probe is counted, not fatal (UDP on a lossy path loses some); only losing them all fails.
 */
export async function measureRtt(call: EstablishedCall, count: number, gapMs = 20): Promise<{ samples: number[]; lost: number; medianMs: number }> {
  const samples: number[] = [];
  let lost = 0;
  let last: unknown;
  for (let i = 0; i < count; i++) {
    try {
      samples.push(round(await call.session.ping(1000), 3));
    } catch (err) {
      if ((err as PinholeError).code !== 'E_PING_TIMEOUT') throw err;
      lost++;
      last = err;
    }
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
  }
  if (count > 0 && samples.length === 0) throw last;
  return { samples, lost, medianMs: round(median(samples), 3) };
}

/** The call.ready event fields shared by `call` and `demo`. */
export function readyFields(call: EstablishedCall, local: { address: string; port: number }) {
  return {
    callId: call.callId,
    peer: call.remotePeerId,
    setupMs: round(call.setupMs),
    path: call.window.path,
    strategy: call.window.strategy,
    local: `${local.address}:${local.port}`,
    remote: `${call.session.params.remote.address}:${call.session.params.remote.port}`,
    encrypted: !!call.security,
    ...(call.security ? { remoteFingerprint: call.security.remoteFingerprint, handshake: call.security.pattern } : {}),
    timeline: Object.fromEntries(Object.entries(call.timeline).map(([k, v]) => [k, round(v)])),
  };
}
