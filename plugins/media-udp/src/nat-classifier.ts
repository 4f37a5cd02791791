import { StunClass, type PinholeError, type Candidate, type DatagramAddress, type NatBehaviour, type NatClassifyOptions, type NatInfo, type StunAddress } from '@pinhole/core';
import { isIP } from 'net';
import type { StunAnswer, StunRequestOptions } from './stun-client';

/** What the classifier needs: Binding transactions from the socket being classified, and its own addresses. */
export interface ClassifierSocket {
  request(server: DatagramAddress, opts: StunRequestOptions): Promise<StunAnswer>;
  /** The socket's local (host) addresses and port. */
  local: Candidate[];
}

const DEFAULT_TEST_TIMEOUT_MS = 1000;
const validPort = (p: number) => Number.isInteger(p) && p > 0 && p <= 0xffff;
const same = (a?: StunAddress, b?: StunAddress) => !!a && !!b && a.address === b.address && a.port === b.port;
const unspecified = (a: string) => a === '0.0.0.0' || a === '::';

/**
 * RFC 5780 NAT behaviour discovery against a manager whose STUN responder has an alternate port
 * (and maybe address), named by OTHER-ADDRESS in its answers:
 *
 * 1. Binding to the primary: the reflexive address, and where the alternate is. No answer at
 *    all: UDP is blocked (`udpBlocked`).
 * 2. Mapping: Bindings to the alternate port (and address); the same reflexive address for every
 *    destination is endpoint-independent mapping (the "easy" NAT that plain punching crosses).
 *    With a `spare` socket (another port behind the same NAT: mapping behaviour is the NAT's,
 *    not the socket's) this runs at once and `onMapping` gets the early result (filtering still
 *    unknown) — what a call needs to pick its strategy — while filtering is tested.
 * 3. Filtering, on the classified socket before it sends anything to the alternate (a packet it
 *    sent there would itself open its firewall to the answers): ask the primary to answer from
 *    the alternate address and port, then (with two addresses) from the alternate port only. An
 *    answer that arrives means the filter lets that much through. Without a spare socket the
 *    mapping test runs after this, on the classified socket.
 */
export async function classifyNat(sock: ClassifierSocket, server: DatagramAddress, opts: NatClassifyOptions = {}, spare?: ClassifierSocket): Promise<NatInfo> {
  const timeoutMs = opts.testTimeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  const ask = (s: ClassifierSocket, to: DatagramAddress, o: StunRequestOptions = {}) => s.request(to, { timeoutMs, ...o }).catch(() => undefined);

  // The alternate announced up front: the spare socket's mapping Bindings go out now, beside the first.
  const announced = spare && opts.other && validPort(opts.other.port) ? { port: opts.other.port, altIp: opts.other.address && isIP(opts.other.address) ? opts.other.address : undefined } : undefined;
  const announcedMapping = announced ? mappingOf(spare!, server, announced.port, announced.altIp, undefined, ask) : undefined;

  let first: StunAnswer;
  try {
    first = await sock.request(server, { timeoutMs: timeoutMs * 2, username: opts.username });
  } catch (err) {
    // Nothing came back at all (retransmitted for twice the test budget): UDP does not get out.
    if ((err as PinholeError).code === 'E_STUN_TIMEOUT') return { natted: false, mapping: 'unknown', filtering: 'unknown', hard: false, tested: 'none', udpBlocked: true };
    throw err;
  }
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
  const verdict = (mapping: NatBehaviour | 'unknown', filtering: NatBehaviour | 'unknown'): NatInfo => {
    const m = !natted && mapping === 'unknown' ? 'endpoint-independent' : mapping;
    return { natted, mapping: m, filtering, hard: natted && m !== 'endpoint-independent' && m !== 'unknown', reflexive, tested };
  };

  // Mapping from the spare socket, in parallel: its own first Binding is its m1. Started already when
  // the alternate was announced and the first answer names the same one.
  const early = spare
    ? (announced && announced.port === other.port && announced.altIp === altIp ? announcedMapping! : mappingOf(spare, server, other.port, altIp, undefined, ask)).then((mapping) => {
        opts.onMapping?.(verdict(mapping, 'unknown'));
        return mapping;
      })
    : undefined;

  // Filtering first on the classified socket (see above). An answer must come from where we asked it to come from.
  const fromOther = (a: StunAnswer | undefined, port: number, address?: string) => !!success(a) && a!.from.port === port && (!address || a!.from.address === address);
  let filtering: NatBehaviour;
  if (fromOther(await ask(sock, server, { changeRequest: { changeIp: !!altIp, changePort: true } }), other.port, altIp)) {
    filtering = altIp ? 'endpoint-independent' : 'address-dependent'; // port-only: at best address-dependent is proven
  } else if (altIp && fromOther(await ask(sock, server, { changeRequest: { changeIp: false, changePort: true } }), other.port, server.address)) {
    filtering = 'address-dependent';
  } else {
    filtering = 'address-and-port-dependent';
  }
  return verdict(await (early ?? mappingOf(sock, server, other.port, altIp, m1, ask)), filtering);
}

/** Same primary address, other port; then (two addresses) other address, primary port and other port. */
async function mappingOf(
  s: ClassifierSocket,
  server: DatagramAddress,
  otherPort: number,
  altIp: string | undefined,
  known: StunAddress | undefined,
  ask: (s: ClassifierSocket, to: DatagramAddress, o?: StunRequestOptions) => Promise<StunAnswer | undefined>,
): Promise<NatBehaviour | 'unknown'> {
  // The Bindings go out together (each destination gets its own mapping either way): the mapping is
  // known one round trip after the manager's ports are, which is what a first call waits for.
  const [a1, a2, a3, a4] = await Promise.all([
    known ? undefined : ask(s, server),
    ask(s, { address: server.address, port: otherPort }),
    altIp ? ask(s, { address: altIp, port: server.port }) : undefined,
    altIp ? ask(s, { address: altIp, port: otherPort }) : undefined,
  ]);
  const m1 = known ?? success(a1);
  const m2 = m1 && success(a2);
  if (!m1 || !m2) return 'unknown';
  if (!altIp) return same(m1, m2) ? 'endpoint-independent' : 'address-and-port-dependent';
  const m3 = success(a3);
  const m4 = m3 && success(a4);
  if (!m3 || !m4) return 'unknown';
  if (same(m1, m2) && same(m1, m3)) return 'endpoint-independent';
  return same(m3, m4) ? 'address-dependent' : 'address-and-port-dependent';
}

function success(a: StunAnswer | undefined): StunAddress | undefined {
  return a && a.message.cls === StunClass.Success ? a.message.xorMappedAddress ?? a.message.mappedAddress : undefined;
}
