import { StunClass, type Candidate, type DatagramAddress, type NatBehaviour, type NatClassifyOptions, type NatInfo, type StunAddress } from '@pinhole/core';
import type { StunAnswer, StunRequestOptions } from './stun-client';

/** What the classifier needs: Binding transactions from the socket being classified, and its own addresses. */
export interface ClassifierSocket {
  request(server: DatagramAddress, opts: StunRequestOptions): Promise<StunAnswer>;
  /** The socket's local (host) addresses and port. */
  local: Candidate[];
}

const DEFAULT_TEST_TIMEOUT_MS = 1000;
const same = (a?: StunAddress, b?: StunAddress) => !!a && !!b && a.address === b.address && a.port === b.port;
const unspecified = (a: string) => a === '0.0.0.0' || a === '::';

/**
 * RFC 5780 NAT behaviour discovery against a manager whose STUN responder has an alternate port
 * (and maybe address), named by OTHER-ADDRESS in its answers:
 *
 * 1. Binding to the primary: the reflexive address, and where the alternate is.
 * 2. Filtering, before anything is sent to the alternate (a packet we sent there would itself
 *    open our firewall to its answers): ask the primary to answer from the alternate address and
 *    port, then (with two addresses) from the alternate port only. An answer that arrives means
 *    the filter lets that much through.
 * 3. Mapping: Binding to the alternate port (and address); the same reflexive address for every
 *    destination is endpoint-independent mapping (the "easy" NAT that plain punching crosses).
 */
export async function classifyNat(sock: ClassifierSocket, server: DatagramAddress, opts: NatClassifyOptions = {}): Promise<NatInfo> {
  const timeoutMs = opts.testTimeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  const ask = (to: DatagramAddress, o: StunRequestOptions = {}) => sock.request(to, { timeoutMs, ...o }).catch(() => undefined);

  const first = await sock.request(server, { timeoutMs: timeoutMs * 2, username: opts.username });
  const m1 = success(first);
  if (!m1) return { natted: false, mapping: 'unknown', filtering: 'unknown', hard: false, tested: 'none' };
  const reflexive: Candidate = { address: m1.address, port: m1.port, kind: 'reflexive' };
  const natted = !sock.local.some((c) => c.address === m1.address && c.port === m1.port);
  // RFC 5780's OTHER-ADDRESS (a second address and port), or the manager's ALTERNATE-PORT (ports only).
  const { otherAddress, alternatePort } = first!.message;
  const other = otherAddress ?? (alternatePort ? { address: server.address, port: alternatePort } : undefined);
  if (!other) return { natted, mapping: natted ? 'unknown' : 'endpoint-independent', filtering: 'unknown', hard: false, reflexive, tested: 'none' };

  // A wildcard-bound responder cannot name the address it was reached on: it means "the address you used".
  const altIp = unspecified(other.address) || other.address === server.address ? undefined : other.address;
  const tested = altIp ? 'address' : 'port';

  // Filtering first (see above). An answer must come from where we asked it to come from.
  const fromOther = (a: StunAnswer | undefined, port: number, address?: string) => !!success(a) && a!.from.port === port && (!address || a!.from.address === address);
  let filtering: NatBehaviour;
  if (fromOther(await ask(server, { changeRequest: { changeIp: !!altIp, changePort: true } }), other.port, altIp)) {
    filtering = altIp ? 'endpoint-independent' : 'address-dependent'; // port-only: at best address-dependent is proven
  } else if (altIp && fromOther(await ask(server, { changeRequest: { changeIp: false, changePort: true } }), other.port, server.address)) {
    filtering = 'address-dependent';
  } else {
    filtering = 'address-and-port-dependent';
  }

  // Mapping: same primary address, other port; then (two addresses) other address, primary port and other port.
  const m2 = success(await ask({ address: server.address, port: other.port }));
  let mapping: NatBehaviour | 'unknown';
  if (!m2) mapping = 'unknown';
  else if (!altIp) mapping = same(m1, m2) ? 'endpoint-independent' : 'address-and-port-dependent';
  else {
    const m3 = success(await ask({ address: altIp, port: server.port }));
    const m4 = m3 && success(await ask({ address: altIp, port: other.port }));
    if (!m3 || !m4) mapping = 'unknown';
    else if (same(m1, m2) && same(m1, m3)) mapping = 'endpoint-independent';
    else mapping = same(m3, m4) ? 'address-dependent' : 'address-and-port-dependent';
  }
  if (!natted && mapping === 'unknown') mapping = 'endpoint-independent';
  return { natted, mapping, filtering, hard: natted && mapping !== 'endpoint-independent' && mapping !== 'unknown', reflexive, tested };
}

function success(a: StunAnswer | undefined): StunAddress | undefined {
  return a && a.message.cls === StunClass.Success ? a.message.xorMappedAddress ?? a.message.mappedAddress : undefined;
}
