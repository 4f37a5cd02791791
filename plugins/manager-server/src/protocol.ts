import type { Candidate, CandidateMsg, ControlEnvelope, ControlKind } from '@pinhole/core';

/** The control protocol version this manager speaks (Register.protocol_version). */
export const PROTOCOL_VERSION = 1;

export type Msg<K extends ControlKind> = NonNullable<ControlEnvelope[K]>;
/** Fields appended to control.proto after core's ControlEnvelope typing was written. */
export type CallRequestMsg = Msg<'callRequest'> & { optimistic?: boolean };
export type ReadyMsg = Msg<'ready'> & { optimistic?: boolean; payloadTypes?: string[] };

const KIND_NUMBER = { host: 0, reflexive: 1, relay: 2 } as const;
const KIND_NAME = ['host', 'reflexive', 'relay'] as const;

export function toCandidateMsg(c: Candidate): CandidateMsg {
  return { address: c.address, port: c.port, kind: KIND_NUMBER[c.kind] };
}

export function fromCandidateMsg(m: CandidateMsg): Candidate {
  return { address: m.address, port: m.port, kind: KIND_NAME[m.kind ?? 0] ?? 'host' };
}

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

/** Error codes a peer may put in a Reject are relayed only in this shape. */
export function safeCode(code: string | undefined, fallback: string): string {
  return code && /^E_[A-Z0-9_]{1,40}$/.test(code) ? code : fallback;
}
