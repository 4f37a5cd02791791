import * as os from 'os';
import type { Candidate } from '@pinhole/core';

/**
 * Host candidates for a socket bound to `host`:`port`. A wildcard bind offers every IPv4
 * interface address; loopback only when nothing else exists (a peer on another machine
 * cannot use it, and a null packet sent there would hit the sender itself).
 */
export function hostCandidates(host: string, port: number): Candidate[] {
  if (host !== '0.0.0.0' && host !== '::') return [{ address: host, port, kind: 'host' }];
  const all = Object.values(os.networkInterfaces())
    .flat()
    .filter((i): i is os.NetworkInterfaceInfo => !!i && i.family === 'IPv4');
  const external = all.filter((i) => !i.internal);
  return (external.length ? external : all).map((i) => ({ address: i.address, port, kind: 'host' as const }));
}
