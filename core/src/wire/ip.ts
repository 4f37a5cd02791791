/**
 * IP address text ⇄ bytes and HOST:PORT text, IPv6-correct (RFC 5952 output, brackets around
 * IPv6 hosts). Shared by the STUN codec, the manager's address printing and the TURN client.
 */
import { isIPv4, isIPv6 } from 'net';

export type IpFamily = 'IPv4' | 'IPv6';

/** `::ffff:192.0.2.1` (what a dual-stack socket reports for an IPv4 peer) → `192.0.2.1`; anything else unchanged. */
export function unmapIPv4(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1] : address;
}

/** The family of an address literal, or undefined if it is neither. A zone id (fe80::1%eth0) is allowed. */
export function ipFamily(address: string): IpFamily | undefined {
  if (isIPv4(address)) return 'IPv4';
  return isIPv6(address.split('%')[0]) ? 'IPv6' : undefined;
}

/** `HOST:PORT`, with IPv6 hosts in brackets (`[::1]:8080`), the form every parser here reads back. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** 4 or 16 bytes for an IPv4 / IPv6 literal; undefined for anything else. The zone id is dropped. */
export function ipToBytes(address: string): Buffer | undefined {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  const s = address.split('%')[0]; // a zone id is host-local and never goes on the wire
  if (!isIPv6(s)) return undefined;
  const groups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((x) => {
          if (!x.includes('.')) return [parseInt(x, 16)];
          const [a, b, c, d] = x.split('.').map(Number); // embedded IPv4 tail, e.g. ::ffff:192.0.2.1
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = s.split('::');
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((x, i) => out.writeUInt16BE(x, i * 2));
  return out;
}

/** Text form of 4 or 16 address bytes: dotted quad, or RFC 5952 IPv6 (matching what node reports). */
export function bytesToIp(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.subarray(0, 10).every((x) => x === 0) && buf[10] === 0xff && buf[11] === 0xff) return `::ffff:${buf[12]}.${buf[13]}.${buf[14]}.${buf[15]}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(buf.readUInt16BE(i));
  let best = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j > i ? j : i + 1;
  }
  const h = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  return best < 0 ? h(g) : `${h(g.slice(0, best))}::${h(g.slice(best + bestLen))}`;
}
