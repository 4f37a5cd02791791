import type { Candidate, WindowRequest } from '@pinhole/core';
import type { BirthdayOptions } from './options';

/**
 * - `hard`: our NAT maps per destination: open many sockets toward the peer's mapped port.
 * - `easy`: the peer's NAT does: probe random ports of its public address from our one socket.
 * - `plain`: neither is known hard: probe the candidates (only with onlyWhenHard off).
 * Both hard: undefined (no direct path by probing; that is the relay's job).
 */
export type BirthdayRole = 'hard' | 'easy' | 'plain';

export function chooseRole(req: WindowRequest, o: BirthdayOptions): BirthdayRole | undefined {
  const localHard = !!req.nat?.local?.hard;
  const remoteHard = !!req.nat?.remote?.hard;
  if (localHard && remoteHard) return undefined;
  if (localHard) return req.openSocket ? 'hard' : undefined;
  if (remoteHard) return 'easy';
  return o.onlyWhenHard ? undefined : 'plain';
}

const unique = (cs: Candidate[]) => [...new Map(cs.map((c) => [`${c.address}|${c.port}`, c])).values()];

/**
 * Where the peer can be reached: its reflexive candidates (the public mapping the manager saw),
 * else its host candidates (a peer without NAT). Never relay candidates, and never private host
 * addresses when a public mapping is known (256 sockets would spray the local network).
 */
export function peerTargets(candidates: Candidate[], max = 2): Candidate[] {
  const reflexive = candidates.filter((c) => c.kind === 'reflexive');
  return unique(reflexive.length ? reflexive : candidates.filter((c) => c.kind === 'host')).slice(0, max);
}
