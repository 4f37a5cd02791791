/**
 * TURN (RFC 8656) pieces that are not STUN messages: ChannelData framing, the long-term
 * credential key, and coturn's `use-auth-secret` REST credentials, which the manager mints and
 * the relay client uses. Pure functions over Buffers; no sockets.
 */
import { createHash, createHmac } from 'crypto';
import { WireError } from '../errors';
import type { StunIntegrity } from './stun';
import { formatHostPort } from './ip';

export const CHANNEL_MIN = 0x4000;
export const CHANNEL_MAX = 0x4fff;
export const CHANNEL_DATA_HEADER = 4;
/** IP protocol number of UDP, the only relayed transport we request. */
export const TRANSPORT_UDP = 17;
/** RFC 8489 §18.5 password algorithm numbers. */
export const PasswordAlgorithm = { MD5: 1, SHA256: 2 } as const;

export interface ChannelData {
  channel: number;
  data: Buffer;
}

/** Cheap demux test: first two bits 01 (RFC 7983: 64–79 is TURN ChannelData). Never throws. */
export function isChannelData(buf: Uint8Array): boolean {
  return buf.length >= CHANNEL_DATA_HEADER && buf[0] >= 0x40 && buf[0] <= 0x4f;
}

/**
 * One ChannelData message. Over TCP/TLS it must be padded to a multiple of 4 (§12.5); over UDP
 * padding is optional and omitted.
 */
export function encodeChannelData(channel: number, data: Uint8Array, pad = false): Buffer {
  if (!Number.isInteger(channel) || channel < CHANNEL_MIN || channel > CHANNEL_MAX) {
    throw new WireError('E_TURN_CHANNEL', `channel number ${channel} is not 0x4000..0x4FFF`);
  }
  if (data.length > 0xffff) throw new WireError('E_TURN_CHANNEL', `ChannelData payload is ${data.length} bytes, over 65535`);
  const size = CHANNEL_DATA_HEADER + data.length;
  const out = Buffer.alloc(pad ? (size + 3) & ~3 : size);
  out.writeUInt16BE(channel, 0);
  out.writeUInt16BE(data.length, 2);
  out.set(data, CHANNEL_DATA_HEADER);
  return out;
}

/**
 * Decodes one ChannelData datagram (the length field is checked against what arrived; up to 3
 * bytes of padding may follow). `data` is a view into buf. Throws WireError only.
 */
export function decodeChannelData(buf: Buffer): ChannelData {
  if (buf.length < CHANNEL_DATA_HEADER) throw new WireError('E_TURN_CHANNEL', `ChannelData of ${buf.length} bytes is shorter than its 4-byte header`);
  const channel = buf.readUInt16BE(0);
  if (channel < CHANNEL_MIN || channel > CHANNEL_MAX) throw new WireError('E_TURN_CHANNEL', `channel number 0x${channel.toString(16)} is not 0x4000..0x4FFF`);
  const len = buf.readUInt16BE(2);
  const end = CHANNEL_DATA_HEADER + len;
  if (end > buf.length || buf.length - end > 3) {
    throw new WireError('E_TURN_CHANNEL', `ChannelData length field says ${len} bytes but ${buf.length - CHANNEL_DATA_HEADER} arrived`);
  }
  return { channel, data: buf.subarray(CHANNEL_DATA_HEADER, end) };
}

/**
 * The long-term credential key (RFC 8489 §9.2.2): MD5 or SHA-256 of `username:realm:password`.
 * SASLprep/OpaqueString is the identity for the ASCII credentials used here.
 */
export function longTermKey(username: string, realm: string, password: string, algorithm: StunIntegrity = 'sha1'): Buffer {
  return createHash(algorithm === 'sha256' ? 'sha256' : 'md5').update(`${username}:${realm}:${password}`, 'utf8').digest();
}

export interface TurnRestCredentials {
  /** `EXPIRY:USER` (Unix seconds), as coturn's use-auth-secret expects. */
  username: string;
  /** base64(HMAC-SHA1(secret, username)). */
  password: string;
  /** Unix seconds after which the TURN server refuses the credentials. */
  expiresAt: number;
}

/**
 * Time-limited TURN credentials of the "TURN REST API" scheme that coturn implements with
 * `use-auth-secret` / `static-auth-secret`: anyone holding the shared secret can mint them, the
 * TURN server checks them with no database, and they lapse at `expiresAt`.
 */
export function turnRestCredentials(secret: string, user: string, ttlSeconds: number, now = Date.now()): TurnRestCredentials {
  if (!secret) throw new WireError('E_TURN_SECRET', 'the TURN shared secret is empty; set the same static-auth-secret as the TURN server');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new WireError('E_TURN_SECRET', `credential lifetime ${ttlSeconds} s must be a positive integer`);
  if (user.includes(':')) throw new WireError('E_TURN_SECRET', `TURN user "${user}" must not contain ":" (the REST username is EXPIRY:USER)`);
  const expiresAt = Math.floor(now / 1000) + ttlSeconds;
  const username = `${expiresAt}:${user}`;
  return { username, password: createHmac('sha1', secret).update(username).digest('base64'), expiresAt };
}

export type TurnTransportKind = 'udp' | 'tcp' | 'tls';

export interface TurnServerAddress {
  transport: TurnTransportKind;
  host: string;
  port: number;
  /** Canonical form, for messages. */
  text: string;
}

/**
 * RFC 7065 TURN URIs: `turn:HOST[:PORT][?transport=udp|tcp]` (default UDP, port 3478) and
 * `turns:HOST[:PORT]` (TLS over TCP, port 5349). IPv6 hosts go in brackets. The manager checks
 * the servers it advertises with it; the relay client connects by it.
 */
export function parseTurnUri(uri: string): TurnServerAddress {
  const bad = (why: string) => new WireError('E_TURN_URI', `TURN server "${uri}": ${why}; expected turn:HOST:PORT[?transport=udp|tcp] or turns:HOST:PORT`, { uri });
  const m = /^(turns?):(?:\[([^\]]+)\]|([^:?/[\]]+))(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/i.exec(uri.trim());
  if (!m) throw bad('not a TURN URI');
  const secure = m[1].toLowerCase() === 'turns';
  const requested = m[5]?.toLowerCase() as 'udp' | 'tcp' | undefined;
  if (secure && requested === 'udp') throw bad('turns: runs over TLS; DTLS (transport=udp) is not supported');
  const port = m[4] ? Number(m[4]) : secure ? 5349 : 3478;
  if (port < 1 || port > 65535) throw bad(`port ${port} is not 1-65535`);
  const host = m[2] ?? m[3];
  return { transport: secure ? 'tls' : (requested ?? 'udp'), host, port, text: `${secure ? 'turns' : 'turn'}:${formatHostPort(host, port)}${!secure && requested === 'tcp' ? '?transport=tcp' : ''}` };
}
