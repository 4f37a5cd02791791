import type { Candidate, CandidateMsg, ControlEnvelope, ControlKind, DatagramAddress } from '@pinhole/core';

/** The control protocol version this client speaks (Register.protocol_version). */
export const PROTOCOL_VERSION = 1;

export type Msg<K extends ControlKind> = NonNullable<ControlEnvelope[K]>;
export type Received = ControlEnvelope & { kind: ControlKind };
/** Fields appended to control.proto after core's ControlEnvelope typing was written. */
export type CallRequestMsg = Msg<'callRequest'> & { optimistic?: boolean };
export type ReadyMsg = Msg<'ready'> & { optimistic?: boolean; payloadTypes?: string[] };

const KIND_NUMBER = { host: 0, reflexive: 1, relay: 2 } as const;
const KIND_NAME = ['host', 'reflexive', 'relay'] as const;

export const toCandidateMsg = (c: Candidate): CandidateMsg => ({ address: c.address, port: c.port, kind: KIND_NUMBER[c.kind] });
export const fromCandidateMsg = (m: CandidateMsg): Candidate => ({ address: m.address, port: m.port, kind: KIND_NAME[m.kind ?? 0] ?? 'host' });

/** Addresses other than `primary`, deduplicated: where else the peer may legitimately send from. */
export function alternates(candidates: Candidate[], primary: DatagramAddress): DatagramAddress[] {
  const seen = new Set([`${primary.address}:${primary.port}`]);
  const out: DatagramAddress[] = [];
  for (const c of candidates) {
    const k = `${c.address}:${c.port}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ address: c.address, port: c.port });
  }
  return out;
}
