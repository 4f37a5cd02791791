import type { EstablishedCall } from '@pinhole/core';
import { median, round } from './stats';

/** RTT over the direct path: `count` PING/PONG round trips, spaced so they do not queue. */
export async function measureRtt(call: EstablishedCall, count: number, gapMs = 20): Promise<{ samples: number[]; medianMs: number }> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    samples.push(round(await call.session.ping(2000), 3));
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
  }
  return { samples, medianMs: round(median(samples), 3) };
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
    timeline: Object.fromEntries(Object.entries(call.timeline).map(([k, v]) => [k, round(v)])),
  };
}
