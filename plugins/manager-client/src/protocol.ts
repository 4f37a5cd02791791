import { CONTROL_PROTOCOL_VERSION, type Candidate, type ControlEnvelope, type ControlKind, type ControlMsg, type DatagramAddress } from '@pinhole/core';

export { fromCandidateMsg, toCandidateMsg } from '@pinhole/core';
/** The control protocol version this client speaks (Register.protocol_version). */
export const PROTOCOL_VERSION = CONTROL_PROTOCOL_VERSION;
export type Msg<K extends ControlKind> = ControlMsg<K>;
export type Received = ControlEnvelope & { kind: ControlKind };
export type CallRequestMsg = ControlMsg<'callRequest'>;
export type ReadyMsg = ControlMsg<'ready'>;

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
