import { CONTROL_PROTOCOL_VERSION, toCandidateMsg, type Candidate, type CandidateMsg, type ControlKind, type ControlMsg } from '@pinhole/core';

export { fromCandidateMsg, toCandidateMsg } from '@pinhole/core';
/** The control protocol version this manager speaks (Register.protocol_version). */
export const PROTOCOL_VERSION = CONTROL_PROTOCOL_VERSION;
export type Msg<K extends ControlKind> = ControlMsg<K>;
export type CallRequestMsg = ControlMsg<'callRequest'>;
export type ReadyMsg = ControlMsg<'ready'>;

/** What a peer is told to aim at: the reflexive address first (behind NAT the host port is wrong), then host candidates. */
export function reachableCandidates(record: { reflexive?: Candidate; candidates: Candidate[] }): CandidateMsg[] {
  const seen = new Set<string>();
  const out: CandidateMsg[] = [];
  for (const c of [...(record.reflexive ? [record.reflexive] : []), ...record.candidates]) {
    const key = `${c.address}:${c.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(toCandidateMsg(c));
  }
  return out;
}

/** How many addresses a peer reported itself a callee sends null packets to (besides the observed one). */
export const MAX_REPORTED_TARGETS = 2;

/**
 * Where a callee is told to send its null packets: the caller's reflexive address as this
 * manager observed it (STUN from the caller's media socket), then at most MAX_REPORTED_TARGETS
 * of the addresses the caller reported. A caller cannot point the callee at a list of
 * third parties: that would turn the callee into a reflector.
 */
export function windowTargets(record: { reflexive?: Candidate; candidates: Candidate[] }): CandidateMsg[] {
  const all = reachableCandidates(record);
  return all.slice(0, (record.reflexive ? 1 : 0) + MAX_REPORTED_TARGETS);
}

/** Error codes a peer may put in a Reject are relayed only in this shape. */
export function safeCode(code: string | undefined, fallback: string): string {
  return code && /^E_[A-Z0-9_]{1,40}$/.test(code) ? code : fallback;
}
