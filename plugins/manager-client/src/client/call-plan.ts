import { fromNatMsg, SignalError, type Candidate, type NatInfo, type PairMsg, type RelayServer } from '@pinhole/core';
import type { CallContext } from './call-context';

/** What the manager said of a call's pair, from this side's point of view. */
export interface CallPlan {
  /** The punch strategies the manager named for the pair's NATs, in order (empty: this peer's own order). */
  strategies: string[];
  nat: { local?: NatInfo; remote?: NatInfo };
  /** The relays offered for this call, with this peer's credentials. */
  relays: RelayServer[];
}

/** The plan in an OpenWindow (callee) or a Ready (caller). Our own classification, when we have it, is fresher than the manager's copy. */
export function planOf(m: PairMsg, role: 'caller' | 'callee', ownNat?: NatInfo): CallPlan {
  const callerNat = fromNatMsg(m.callerNat);
  const calleeNat = fromNatMsg(m.calleeNat);
  const [local, remote] = role === 'caller' ? [callerNat, calleeNat] : [calleeNat, callerNat];
  return {
    strategies: m.strategies ?? [],
    nat: { local: ownNat ?? local, remote },
    relays: (m.turnServers ?? []).map((t) => ({ uri: t.uri, username: t.username ?? '', password: t.password ?? '', ...(t.ca ? { ca: t.ca } : {}) })),
  };
}

/**
 * The strategies this call tries: those the manager named that this peer has (enabled and
 * activated), in the manager's order; the peer's own order when the manager named none.
 */
export async function strategiesOf(c: CallContext, plan: CallPlan, callId: string): Promise<string[]> {
  const local = await c.strategies();
  if (plan.strategies.length === 0) return local;
  const named = plan.strategies.filter((s) => local.includes(s));
  const missing = plan.strategies.filter((s) => !local.includes(s));
  if (missing.length) c.log.info('the manager named punch strategies this peer does not have', { callId, missing });
  if (named.length === 0)
    throw new SignalError(
      'E_NO_STRATEGY',
      `the manager picked ${plan.strategies.join(', ')} for call ${callId}, and this peer has none of them enabled; enable the plugin(s) contributing them (see "pinhole plugins")`,
      { callId },
    );
  return named;
}

/**
 * IPs any port of which the peer may send from in this call: a hard NAT's public address (its
 * mapping toward us is random) and the IPs of relayed addresses we opened (a peer relaying
 * through the same server comes from a relayed port of its own).
 */
export function anyPortFrom(plan: CallPlan, remoteCandidates: Candidate[], ownRelayed: Candidate[] = []): string[] {
  const hard = plan.nat.remote?.hard ? remoteCandidates.filter((c) => c.kind === 'reflexive').map((c) => c.address) : [];
  return [...new Set([...hard, ...ownRelayed.map((c) => c.address)])];
}
