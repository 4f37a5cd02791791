import * as path from 'path';
import * as protobuf from 'protobufjs';
import { WireError } from '../errors';
import { SCHEMAS_DIR } from '../schemas';
import type { Candidate } from '../hooks/types';
import type { CallPolicy } from '../security/policy';
import type { NatBehaviour, NatInfo } from '../services/nat';

/** Plain-object view of the control messages in schemas/control.proto (camelCase fields). */
export interface CandidateMsg { address: string; port: number; kind?: number }
export interface CallPolicyMsg { mode?: number; allow?: string[]; optimistic?: boolean }
export interface NatInfoMsg { natted?: boolean; mapping?: number; filtering?: number; hard?: boolean; tested?: number; udpBlocked?: boolean }
export interface TurnServerMsg { uri: string; username?: string; password?: string; ca?: string }
/** What the manager tells both sides of a call about the pair (OpenWindow and Ready). */
export interface PairMsg { callerNat?: NatInfoMsg | null; calleeNat?: NatInfoMsg | null; strategies?: string[]; turnServers?: TurnServerMsg[] }
export interface ControlEnvelope {
  hello?: { protocolVersion: number; nonce: Uint8Array };
  register?: {
    peerId: string;
    protocolVersion: number;
    candidates?: CandidateMsg[];
    payloadTypes?: string[];
    meta?: Record<string, string>;
    publicKey?: Uint8Array;
    signature?: Uint8Array;
    policy?: CallPolicyMsg | null;
  };
  registered?: { peerId: string; keepaliveMs: number; expiryMs: number; stunPort?: number; reflexive?: CandidateMsg | null; probeToken?: string; stunAltPort?: number; stunAltAddress?: string };
  keepAlive?: { seq: number | Long };
  keepAliveAck?: { seq: number | Long };
  callRequest?: { callId: string; calleeId: string; payloadTypes?: string[]; optimistic?: boolean; expectedCalleeKey?: Uint8Array };
  natReport?: { nat?: NatInfoMsg | null };
  openWindow?: { callId: string; callerId: string; callerCandidates?: CandidateMsg[]; callerEndpoint: number; calleeEndpoint: number; payloadTypes?: string[]; callerKey?: Uint8Array } & PairMsg;
  windowOpened?: { callId: string; nullPackets?: number; candidates?: CandidateMsg[] };
  ready?: { callId: string; calleeId: string; calleeCandidates?: CandidateMsg[]; callerEndpoint: number; calleeEndpoint: number; optimistic?: boolean; payloadTypes?: string[]; calleeKey?: Uint8Array } & PairMsg;
  reject?: { callId?: string; code: string; reason?: string };
  hangup?: { callId: string; reason?: string };
  error?: { code: string; message: string; fatal?: boolean };
  bye?: { reason?: string };
  callReport?: { callId: string; path?: string; strategy?: string; setupUs?: number; encrypted?: boolean };
}
type Long = { low: number; high: number; unsigned: boolean };
export type ControlKind = keyof ControlEnvelope;
/** The body type of one control message kind. */
export type ControlMsg<K extends ControlKind> = NonNullable<ControlEnvelope[K]>;

/** The control protocol version this build speaks (Register.protocol_version). */
export const CONTROL_PROTOCOL_VERSION = 2;

const KIND_NUMBER = { host: 0, reflexive: 1, relay: 2 } as const;
const KIND_NAME = ['host', 'reflexive', 'relay'] as const;
export const toCandidateMsg = (c: Candidate): CandidateMsg => ({ address: c.address, port: c.port, kind: KIND_NUMBER[c.kind] });
export const fromCandidateMsg = (m: CandidateMsg): Candidate => ({ address: m.address, port: m.port, kind: KIND_NAME[m.kind ?? 0] ?? 'host' });

const MODE_NUMBER = { none: 0, list: 1, any: 2 } as const;
const MODE_NAME = ['none', 'list', 'any'] as const;
export const toPolicyMsg = (p: CallPolicy): CallPolicyMsg => ({ mode: MODE_NUMBER[p.mode], allow: [...p.allow], optimistic: p.optimistic });
/** An absent policy is `none`: a peer that said nothing about its callers takes no calls. */
export const fromPolicyMsg = (m: CallPolicyMsg | null | undefined): CallPolicy => ({
  mode: MODE_NAME[m?.mode ?? 0] ?? 'none',
  allow: [...(m?.allow ?? [])],
  optimistic: !!m?.optimistic,
});

const BEHAVIOUR_NAME = ['unknown', 'endpoint-independent', 'address-dependent', 'address-and-port-dependent'] as const;
const TESTED_NAME = ['none', 'port', 'address'] as const;
const behaviourNumber = (b: NatBehaviour | 'unknown'): number => Math.max(0, BEHAVIOUR_NAME.indexOf(b));
export const toNatMsg = (n: NatInfo): NatInfoMsg => ({
  natted: n.natted,
  mapping: behaviourNumber(n.mapping),
  filtering: behaviourNumber(n.filtering),
  hard: n.hard,
  tested: Math.max(0, TESTED_NAME.indexOf(n.tested)),
  udpBlocked: !!n.udpBlocked,
});
/** Unset or empty (every field at its default and not blocked): not classified. */
export const fromNatMsg = (m: NatInfoMsg | null | undefined): NatInfo | undefined => {
  if (!m || (!m.natted && !m.mapping && !m.filtering && !m.hard && !m.tested && !m.udpBlocked)) return undefined;
  return {
    natted: !!m.natted,
    mapping: BEHAVIOUR_NAME[m.mapping ?? 0] ?? 'unknown',
    filtering: BEHAVIOUR_NAME[m.filtering ?? 0] ?? 'unknown',
    hard: !!m.hard,
    tested: TESTED_NAME[m.tested ?? 0] ?? 'none',
    ...(m.udpBlocked ? { udpBlocked: true } : {}),
  };
};

export const CONTROL_KINDS: readonly ControlKind[] = Object.freeze([
  'register', 'registered', 'keepAlive', 'keepAliveAck', 'callRequest', 'openWindow',
  'windowOpened', 'ready', 'reject', 'hangup', 'error', 'bye', 'hello', 'natReport', 'callReport',
]);

/** Default cap on one control message; framing enforces the same cap before buffering. */
export const MAX_CONTROL_BYTES = 64 * 1024;

let root: protobuf.Root | undefined;
let envelopeType: protobuf.Type | undefined;

/** Loads schemas/*.proto once (protobufjs compiles a specialised codec per type on first use). */
export function wireRoot(): protobuf.Root {
  if (!root) root = protobuf.loadSync([path.join(SCHEMAS_DIR, 'control.proto')]);
  return root;
}

function envelope(): protobuf.Type {
  if (!envelopeType) envelopeType = wireRoot().lookupType('pinhole.control.Envelope');
  return envelopeType;
}

/** The one body kind set in an envelope (oneof), or undefined. */
export function kindOf(env: ControlEnvelope): ControlKind | undefined {
  for (const k of CONTROL_KINDS) if (env[k] != null) return k;
  return undefined;
}

export function encodeControl(env: ControlEnvelope): Buffer {
  const t = envelope();
  const err = t.verify(env);
  if (err) throw new WireError('E_WIRE_INVALID', `control message does not match schemas/control.proto: ${err}`);
  if (!kindOf(env)) throw new WireError('E_WIRE_EMPTY', 'control message has no body; set exactly one of ' + CONTROL_KINDS.join(', '));
  const bytes = t.encode(t.fromObject(env)).finish();
  if (bytes.length > MAX_CONTROL_BYTES) throw new WireError('E_FRAME_TOO_LARGE', `control message is ${bytes.length} bytes, over the ${MAX_CONTROL_BYTES}-byte cap`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * Decodes one control message. Size is checked before decoding, any protobuf fault
 * (truncation, bad wire type, deep groups) becomes a WireError, and exactly one body must be set.
 */
export function decodeControl(bytes: Uint8Array, maxBytes = MAX_CONTROL_BYTES): ControlEnvelope & { kind: ControlKind } {
  if (bytes.length > maxBytes)
    throw new WireError('E_FRAME_TOO_LARGE', `control message is ${bytes.length} bytes, over the ${maxBytes}-byte cap`, { size: bytes.length, max: maxBytes });
  const t = envelope();
  let obj: ControlEnvelope;
  try {
    obj = t.toObject(t.decode(bytes), { longs: Number, enums: Number, defaults: true, arrays: true, objects: true, oneofs: false }) as ControlEnvelope;
  } catch (err) {
    throw new WireError('E_WIRE_DECODE', `malformed control message: ${(err as Error)?.message ?? err}`, { size: bytes.length });
  }
  const present = CONTROL_KINDS.filter((k) => obj[k] != null);
  if (present.length !== 1)
    throw new WireError('E_WIRE_EMPTY', present.length === 0 ? 'control message has no known body (peer speaks a newer protocol?)' : `control message has ${present.length} bodies`);
  return Object.assign(obj, { kind: present[0] });
}
