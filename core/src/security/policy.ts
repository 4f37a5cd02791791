import { fingerprint, FINGERPRINT_TEXT, parsePublicKey, publicKeyText } from './keys';

/**
 * Who may call a peer (DESIGN.md §B), published in its registration and enforced by the
 * manager and again by the callee itself: `any` authenticated caller, a `list` of names,
 * fingerprints or keys, or `none` (the default when started without --allow / --allow-any).
 * `optimistic` lets the manager send Ready before the callee confirms.
 */
export type CallPolicyMode = 'any' | 'list' | 'none';
export interface CallPolicy {
  mode: CallPolicyMode;
  allow: string[];
  optimistic: boolean;
}

/** Peer names (ids): 1–64 characters of letters, digits and . _ @ : - starting with a letter or digit. */
export const PEER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$/;
export const MAX_ALLOW_ENTRIES = 1024;

export type AllowEntry = { kind: 'name' | 'fingerprint' | 'key'; value: string };

/**
 * What an allow entry is. A fingerprint (`xxxx-xxxx-xxxx-xxxx`, any case) matches only a
 * fingerprint and a 43-character base64url string only a key, never a name: a peer named like
 * someone's fingerprint must not pass as them. Undefined for an entry that is none of the three.
 */
export function classifyAllowEntry(text: string): AllowEntry | undefined {
  const lower = text.toLowerCase();
  if (FINGERPRINT_TEXT.test(lower)) return { kind: 'fingerprint', value: lower };
  if (text.length === 43 && /^[A-Za-z0-9_-]+$/.test(text)) return parsePublicKey(text) ? { kind: 'key', value: text } : undefined;
  return PEER_NAME.test(text) ? { kind: 'name', value: text } : undefined;
}

/** Whether a peer name is usable as a name, i.e. not shaped like a fingerprint or a key. */
export function isPlainPeerName(name: string): boolean {
  return classifyAllowEntry(name)?.kind === 'name';
}

/**
 * Pure policy check: does `policy` let the caller named `callerName` holding `callerKey` call?
 * A name entry trusts the manager's name→key binding; the callee adds its known_peers check.
 */
export function policyAllows(policy: CallPolicy, callerName: string, callerKey: Uint8Array): boolean {
  if (policy.mode === 'any') return true;
  if (policy.mode !== 'list') return false;
  let fp: string | undefined;
  let key: string | undefined;
  for (const text of policy.allow) {
    const entry = classifyAllowEntry(text);
    if (!entry) continue;
    if (entry.kind === 'name' && entry.value === callerName) return true;
    if (entry.kind === 'fingerprint' && entry.value === (fp ??= fingerprint(callerKey))) return true;
    if (entry.kind === 'key' && entry.value === (key ??= publicKeyText(callerKey))) return true;
  }
  return false;
}

/** What is wrong with a policy received from the network, or undefined when it is well-formed. */
export function policyProblem(policy: CallPolicy): string | undefined {
  if (policy.mode !== 'any' && policy.mode !== 'list' && policy.mode !== 'none') return `policy mode "${String(policy.mode).slice(0, 16)}" is not any, list or none`;
  if (!Array.isArray(policy.allow) || policy.allow.length > MAX_ALLOW_ENTRIES) return `policy allow must be a list of at most ${MAX_ALLOW_ENTRIES} entries`;
  const bad = policy.allow.find((e) => typeof e !== 'string' || !classifyAllowEntry(e));
  if (bad !== undefined) return `policy allow entry "${String(bad).slice(0, 80)}" is not a peer name, a fingerprint (xxxx-xxxx-xxxx-xxxx) or a public key (43 base64url characters)`;
  if (policy.mode !== 'list' && policy.allow.length > 0) return `policy mode ${policy.mode} takes no allow entries`;
  if (typeof policy.optimistic !== 'boolean') return 'policy optimistic must be true or false';
  return undefined;
}
