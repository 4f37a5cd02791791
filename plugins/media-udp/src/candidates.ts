import * as os from 'os';
import type { Candidate } from '@pinhole/core';

/** Link-local (fe80::/10) and unique-local (fc00::/7) IPv6 addresses reach no one across the internet. */
const routableV6 = (a: string) => !/^fe[89ab]/i.test(a) && !/^f[cd]/i.test(a);

/**
 * Host candidates for a socket bound to `host`:`port`. A wildcard bind offers every external
 * interface address — on `::` (dual stack) the routable IPv6 ones first, so a callee's null packet
 * and a caller's probe reach an IPv6 peer directly, then IPv4 — and loopback only when nothing
 * else exists (a peer on another machine cannot use it, and a null packet sent there would hit
 * the sender itself).
 */
export function hostCandidates(host: string, port: number): Candidate[] {
  if (host !== '0.0.0.0' && host !== '::') return [{ address: host, port, kind: 'host' }];
  const all = Object.values(os.networkInterfaces()).flat().filter((i): i is os.NetworkInterfaceInfo => !!i);
  const v4 = all.filter((i) => i.family === 'IPv4');
  const v6 = host === '::' ? all.filter((i) => i.family === 'IPv6' && !i.internal && routableV6(i.address)) : [];
  const external = [...v6, ...v4.filter((i) => !i.internal)];
  return (external.length ? external : v4).map((i) => ({ address: i.address, port, kind: 'host' as const }));
}
