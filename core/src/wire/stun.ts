/**
 * STUN message codec (RFC 8489), just enough for reflexive-address discovery:
 * the manager answers Binding requests with XOR-MAPPED-ADDRESS, peers send Binding
 * requests from their media socket. Pure functions over Buffers; no sockets.
 *
 * Every malformed input throws WireError (never a RangeError from a Buffer read):
 * all lengths are checked before any read at an offset derived from the packet.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'crypto';
import { isIPv4, isIPv6 } from 'net';
import { crc32 } from 'zlib';
import { WireError } from '../errors';

export const STUN_MAGIC_COOKIE = 0x2112a442;
export const STUN_HEADER_SIZE = 20;
/** One Ethernet MTU: a Binding exchange never needs more, and it caps work on hostile input. */
export const STUN_DEFAULT_MAX_SIZE = 1500;

export const StunMethod = { Binding: 0x001 } as const;
export const StunClass = { Request: 0, Indication: 1, Success: 2, Error: 3 } as const;
export const StunAttr = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  XorMappedAddress: 0x0020,
  Software: 0x8022,
  Fingerprint: 0x8028,
} as const;

export interface StunAttribute { type: number; value: Buffer }
export interface StunAddress { family: 'IPv4' | 'IPv6'; address: string; port: number }
export interface StunErrorCode { code: number; reason: string }

export interface StunMessage {
  method: number;
  cls: number;
  /** 12 bytes (a copy; safe to keep after the datagram buffer is reused). */
  transactionId: Buffer;
  /** Every attribute in wire order, padding stripped; values are copies. */
  attributes: StunAttribute[];
  /** Comprehension-required types (< 0x8000) this codec does not understand; a server answers 420 listing them. */
  unknownRequired: number[];
  xorMappedAddress?: StunAddress;
  mappedAddress?: StunAddress;
  software?: string;
  username?: string;
  errorCode?: StunErrorCode;
  unknownAttributes?: number[];
  hasFingerprint: boolean;
  hasIntegrity: boolean;
}

export interface StunDecodeOptions {
  /** Reject larger datagrams before looking at them (default 1500). */
  maxSize?: number;
  /** If set, MESSAGE-INTEGRITY must be present and match this key, else E_STUN_INTEGRITY. */
  integrityKey?: Buffer;
}

export interface StunEncodeInput {
  method: number;
  cls: number;
  transactionId: Buffer;
  /** Raw extra attributes, written after the typed ones (MESSAGE-INTEGRITY/FINGERPRINT not allowed here). */
  attributes?: StunAttribute[];
  xorMappedAddress?: StunAddress;
  mappedAddress?: StunAddress;
  username?: string;
  errorCode?: StunErrorCode;
  unknownAttributes?: number[];
  software?: string;
  /** HMAC-SHA1 key: the password for short-term credentials, MD5(user:realm:pass) for long-term. */
  integrityKey?: Buffer;
  fingerprint?: boolean;
}

/** XORed into the CRC so a FINGERPRINT never equals a plain CRC-32 of some other multiplexed protocol. */
const FINGERPRINT_XOR = 0x5354554e;
const COOKIE_BYTES = Buffer.from([0x21, 0x12, 0xa4, 0x42]);
// RFC 8489 §14: value-length limits, in bytes.
const MAX_USERNAME = 513;
const MAX_TEXT = 763;

function fail(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new WireError(code, message, details);
}
const hex = (t: number) => `0x${t.toString(16).padStart(4, '0')}`;

// The 14-bit message type interleaves the class bits C1 (bit 8) and C0 (bit 4) into the method (§5).
function messageType(method: number, cls: number): number {
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((cls & 1) << 4) | ((cls & 2) << 7);
}

/** Cheap demux test for a datagram that may be STUN or media (RFC 7983: STUN's first byte is 0–3). Never throws. */
export function isStunPacket(buf: Buffer): boolean {
  if (!Buffer.isBuffer(buf) || buf.length < STUN_HEADER_SIZE || buf[0] > 3) return false;
  const len = buf.readUInt16BE(2);
  return (len & 3) === 0 && len + STUN_HEADER_SIZE === buf.length && buf.readUInt32BE(4) === STUN_MAGIC_COOKIE;
}

interface Parsed { msg: StunMessage; integrityOffset: number }

function parse(buf: Buffer, maxSize: number): Parsed {
  if (!Buffer.isBuffer(buf)) fail('E_STUN_NOT_STUN', 'STUN input must be a Buffer');
  // Size first: a hostile peer should not make us parse a 64 KiB datagram.
  if (buf.length > maxSize) {
    fail('E_STUN_TOO_LARGE', `STUN datagram is ${buf.length} bytes, over the ${maxSize}-byte limit`, { size: buf.length, maxSize });
  }
  if (buf.length < STUN_HEADER_SIZE) {
    fail('E_STUN_SHORT', `STUN datagram is ${buf.length} bytes, shorter than the 20-byte header`, { size: buf.length });
  }
  if (buf[0] > 3) fail('E_STUN_NOT_STUN', `first byte 0x${buf[0].toString(16)} has its top two bits set, so this is not STUN`);
  if (buf.readUInt32BE(4) !== STUN_MAGIC_COOKIE) {
    // RFC 3489 ("classic STUN") messages have no cookie; we do not speak that dialect.
    fail('E_STUN_NOT_STUN', 'magic cookie 0x2112a442 missing at bytes 4..7 (not STUN, or RFC 3489 classic STUN)');
  }
  const len = buf.readUInt16BE(2);
  if (len % 4 !== 0) fail('E_STUN_LENGTH', `STUN length ${len} is not a multiple of 4`, { length: len });
  if (len + STUN_HEADER_SIZE !== buf.length) {
    fail('E_STUN_LENGTH', `STUN length field says ${len} bytes of attributes but the datagram carries ${buf.length - STUN_HEADER_SIZE}`,
      { length: len, size: buf.length });
  }

  const type = buf.readUInt16BE(0);
  const transactionId = Buffer.from(buf.subarray(8, 20));
  const msg: StunMessage = {
    method: (type & 0x000f) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0f80),
    cls: ((type >> 4) & 1) | ((type >> 7) & 2),
    transactionId,
    attributes: [],
    unknownRequired: [],
    hasFingerprint: false,
    hasIntegrity: false,
  };
  let integrityOffset = -1;

  for (let off = STUN_HEADER_SIZE; off < buf.length;) {
    // off and buf.length are both multiples of 4 here, so a 4-byte attribute header always fits.
    const t = buf.readUInt16BE(off);
    const l = buf.readUInt16BE(off + 2);
    const next = off + 4 + ((l + 3) & ~3); // values are padded to 32 bits; the padding must be there too
    if (next > buf.length) {
      fail('E_STUN_ATTR', `attribute ${hex(t)} at offset ${off} declares ${l} bytes but only ${buf.length - off - 4} remain`,
        { type: t, offset: off, length: l });
    }
    const value = Buffer.from(buf.subarray(off + 4, off + 4 + l));

    if (t === StunAttr.Fingerprint) {
      // FINGERPRINT must be last: its CRC covers everything before it with the header length already
      // counting it, so a receiver can check it without parsing, and nothing after it is protected.
      if (next !== buf.length) fail('E_STUN_ATTR', `FINGERPRINT at offset ${off} is not the last attribute`, { offset: off });
      if (l !== 4) fail('E_STUN_ATTR', `FINGERPRINT must be 4 bytes, got ${l}`, { length: l });
      const want = (crc32(buf.subarray(0, off)) ^ FINGERPRINT_XOR) >>> 0;
      const got = value.readUInt32BE(0);
      if (got !== want) {
        fail('E_STUN_FINGERPRINT', `FINGERPRINT mismatch: message says 0x${got.toString(16)}, computed 0x${want.toString(16)}`);
      }
      msg.hasFingerprint = true;
      msg.attributes.push({ type: t, value });
    } else if (integrityOffset >= 0) {
      // §14.5: attributes after MESSAGE-INTEGRITY (other than FINGERPRINT) are unauthenticated; ignore them.
    } else {
      msg.attributes.push({ type: t, value });
      if (t === StunAttr.MessageIntegrity) {
        if (l !== 20) fail('E_STUN_ATTR', `MESSAGE-INTEGRITY must be 20 bytes, got ${l}`, { length: l });
        integrityOffset = off;
        msg.hasIntegrity = true;
      } else {
        readKnown(msg, t, value);
      }
    }
    off = next;
  }
  return { msg, integrityOffset };
}

// Fills the convenience fields; only the first occurrence of each attribute counts (§14).
function readKnown(msg: StunMessage, t: number, v: Buffer): void {
  switch (t) {
    case StunAttr.XorMappedAddress:
      msg.xorMappedAddress ??= decodeAddress(v, 'XOR-MAPPED-ADDRESS', xorPad(msg.transactionId));
      return;
    case StunAttr.MappedAddress:
      msg.mappedAddress ??= decodeAddress(v, 'MAPPED-ADDRESS');
      return;
    case StunAttr.Username:
      if (v.length > MAX_USERNAME) fail('E_STUN_ATTR', `USERNAME is ${v.length} bytes, over ${MAX_USERNAME}`);
      msg.username ??= v.toString('utf8');
      return;
    case StunAttr.Software:
      if (v.length > MAX_TEXT) fail('E_STUN_ATTR', `SOFTWARE is ${v.length} bytes, over ${MAX_TEXT}`);
      msg.software ??= v.toString('utf8');
      return;
    case StunAttr.ErrorCode: {
      if (v.length < 4 || v.length > 4 + MAX_TEXT) fail('E_STUN_ATTR', `ERROR-CODE length ${v.length} is outside 4..${4 + MAX_TEXT}`);
      const klass = v[2] & 7;
      const num = v[3];
      if (klass < 3 || klass > 6 || num > 99) fail('E_STUN_ATTR', `ERROR-CODE class ${klass} number ${num} is not a 300-699 code`);
      msg.errorCode ??= { code: klass * 100 + num, reason: v.subarray(4).toString('utf8') };
      return;
    }
    case StunAttr.UnknownAttributes: {
      if (v.length % 2) fail('E_STUN_ATTR', `UNKNOWN-ATTRIBUTES length ${v.length} is odd`);
      const list: number[] = [];
      for (let i = 0; i < v.length; i += 2) list.push(v.readUInt16BE(i));
      msg.unknownAttributes ??= list;
      return;
    }
    default:
      // Comprehension-optional (>= 0x8000) unknowns are silently kept; required ones are reported, not thrown,
      // so a server can answer 420 (Unknown Attribute) instead of dropping the request.
      if (t < 0x8000 && !msg.unknownRequired.includes(t)) msg.unknownRequired.push(t);
  }
}

/** Cookie followed by transaction id: the XOR mask for X-Port/X-Address (§14.2). IPv4 uses only the cookie. */
function xorPad(transactionId: Buffer): Buffer {
  return Buffer.concat([COOKIE_BYTES, transactionId]);
}

function decodeAddress(v: Buffer, name: string, mask?: Buffer): StunAddress {
  const fam = v.length >= 2 ? v[1] : -1;
  const size = fam === 1 ? 4 : fam === 2 ? 16 : -1;
  if (size < 0) fail('E_STUN_ATTR', `${name} has unknown address family ${fam}`);
  if (v.length !== 4 + size) fail('E_STUN_ATTR', `${name} for IPv${fam === 1 ? 4 : 6} must be ${4 + size} bytes, got ${v.length}`);
  const ip = Buffer.alloc(size);
  for (let i = 0; i < size; i++) ip[i] = v[4 + i] ^ (mask ? mask[i] : 0);
  const port = v.readUInt16BE(2) ^ (mask ? STUN_MAGIC_COOKIE >>> 16 : 0);
  return fam === 1
    ? { family: 'IPv4', address: Array.from(ip).join('.'), port }
    : { family: 'IPv6', address: formatIPv6(ip), port };
}

/** RFC 5952 text form (longest zero run as "::"), matching what node's dgram reports. */
function formatIPv6(b: Buffer): string {
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i));
  let best = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j > i ? j : i + 1;
  }
  const h = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  return best < 0 ? h(g) : `${h(g.slice(0, best))}::${h(g.slice(best + bestLen))}`;
}

function parseIPv6(address: string): Buffer {
  const s = address.split('%')[0]; // a zone id (fe80::1%eth0) is host-local and never goes on the wire
  if (!isIPv6(s)) fail('E_STUN_ENCODE', `"${address}" is not an IPv6 address`);
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').flatMap((x) => {
    if (!x.includes('.')) return [parseInt(x, 16)];
    const [a, b, c, d] = x.split('.').map(Number); // embedded IPv4 tail, e.g. ::ffff:192.0.2.1
    return [(a << 8) | b, (c << 8) | d];
  }));
  const [head, tail] = s.split('::');
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((x, i) => out.writeUInt16BE(x, i * 2));
  return out;
}

function encodeAddress(a: StunAddress, mask?: Buffer): Buffer {
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 0xffff) fail('E_STUN_ENCODE', `port ${a.port} is not 0..65535`);
  let ip: Buffer;
  if (a.family === 'IPv4') {
    if (!isIPv4(a.address)) fail('E_STUN_ENCODE', `"${a.address}" is not an IPv4 address`);
    ip = Buffer.from(a.address.split('.').map(Number));
  } else if (a.family === 'IPv6') {
    ip = parseIPv6(a.address);
  } else {
    fail('E_STUN_ENCODE', `address family ${String(a.family)} is not IPv4 or IPv6`);
  }
  const out = Buffer.alloc(4 + ip.length);
  out[1] = ip.length === 4 ? 1 : 2;
  out.writeUInt16BE(a.port ^ (mask ? STUN_MAGIC_COOKIE >>> 16 : 0), 2);
  for (let i = 0; i < ip.length; i++) out[4 + i] = ip[i] ^ (mask ? mask[i] : 0);
  return out;
}

function tlv(type: number, value: Buffer): Buffer {
  if (value.length > 0xffff) fail('E_STUN_ENCODE', `attribute ${hex(type)} value is ${value.length} bytes, over 65535`);
  const out = Buffer.alloc(4 + ((value.length + 3) & ~3)); // zero padding
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

function text(name: string, s: string, max: number): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.length > max) fail('E_STUN_ENCODE', `${name} is ${b.length} bytes, over ${max}`);
  return b;
}

/** HMAC-SHA1 over the message up to MESSAGE-INTEGRITY, with the header length pretending MI is the last attribute (§14.5). */
function integrityOver(buf: Buffer, miOffset: number, key: Buffer): Buffer {
  const head = Buffer.from(buf.subarray(0, miOffset));
  head.writeUInt16BE(miOffset + 24 - STUN_HEADER_SIZE, 2);
  return createHmac('sha1', key).update(head).digest();
}

/**
 * Decode and validate one STUN datagram: header, length, attribute bounds and padding, FINGERPRINT
 * (if present; must be last) and, with opts.integrityKey, MESSAGE-INTEGRITY. Throws WireError only.
 */
export function decodeStun(buf: Buffer, opts: StunDecodeOptions = {}): StunMessage {
  const { msg, integrityOffset } = parse(buf, opts.maxSize ?? STUN_DEFAULT_MAX_SIZE);
  if (opts.integrityKey) {
    if (integrityOffset < 0) fail('E_STUN_INTEGRITY', 'MESSAGE-INTEGRITY is required but absent');
    const mac = integrityOver(buf, integrityOffset, opts.integrityKey);
    if (!timingSafeEqual(mac, buf.subarray(integrityOffset + 4, integrityOffset + 24))) {
      fail('E_STUN_INTEGRITY', 'MESSAGE-INTEGRITY does not match the key (wrong password or tampered message)');
    }
  }
  return msg;
}

/**
 * True if buf carries a MESSAGE-INTEGRITY that matches key (short-term: the password bytes; SASLprep is the
 * identity for ASCII). False if absent or wrong. Throws WireError if buf is not well-formed STUN.
 */
export function verifyMessageIntegrity(buf: Buffer, key: Buffer): boolean {
  const { integrityOffset } = parse(buf, Infinity);
  if (integrityOffset < 0) return false;
  return timingSafeEqual(integrityOver(buf, integrityOffset, key), buf.subarray(integrityOffset + 4, integrityOffset + 24));
}

/** Build a STUN message. Invalid input throws WireError E_STUN_ENCODE. */
export function encodeStun(m: StunEncodeInput): Buffer {
  if (!Number.isInteger(m.method) || m.method < 0 || m.method > 0xfff) fail('E_STUN_ENCODE', `method ${m.method} is not 0..0xfff`);
  if (!Number.isInteger(m.cls) || m.cls < 0 || m.cls > 3) fail('E_STUN_ENCODE', `class ${m.cls} is not 0..3`);
  if (!Buffer.isBuffer(m.transactionId) || m.transactionId.length !== 12) fail('E_STUN_ENCODE', 'transaction id must be a 12-byte Buffer');

  const parts: Buffer[] = [];
  if (m.xorMappedAddress) parts.push(tlv(StunAttr.XorMappedAddress, encodeAddress(m.xorMappedAddress, xorPad(m.transactionId))));
  if (m.mappedAddress) parts.push(tlv(StunAttr.MappedAddress, encodeAddress(m.mappedAddress)));
  if (m.username !== undefined) parts.push(tlv(StunAttr.Username, text('USERNAME', m.username, MAX_USERNAME)));
  if (m.errorCode) {
    const { code, reason } = m.errorCode;
    if (!Number.isInteger(code) || code < 300 || code > 699) fail('E_STUN_ENCODE', `error code ${code} is not 300..699`);
    const r = text('ERROR-CODE reason', reason, MAX_TEXT);
    const v = Buffer.alloc(4 + r.length);
    v[2] = Math.floor(code / 100);
    v[3] = code % 100;
    r.copy(v, 4);
    parts.push(tlv(StunAttr.ErrorCode, v));
  }
  if (m.unknownAttributes?.length) {
    const v = Buffer.alloc(m.unknownAttributes.length * 2);
    m.unknownAttributes.forEach((t, i) => v.writeUInt16BE(t & 0xffff, i * 2));
    parts.push(tlv(StunAttr.UnknownAttributes, v));
  }
  if (m.software !== undefined) parts.push(tlv(StunAttr.Software, text('SOFTWARE', m.software, MAX_TEXT)));
  for (const a of m.attributes ?? []) {
    if (a.type === StunAttr.MessageIntegrity || a.type === StunAttr.Fingerprint) {
      fail('E_STUN_ENCODE', `attribute ${hex(a.type)} is computed by the encoder; use integrityKey / fingerprint instead`);
    }
    if (!Number.isInteger(a.type) || a.type < 0 || a.type > 0xffff) fail('E_STUN_ENCODE', `attribute type ${a.type} is not 0..0xffff`);
    parts.push(tlv(a.type, a.value));
  }

  const header = Buffer.alloc(STUN_HEADER_SIZE);
  header.writeUInt16BE(messageType(m.method, m.cls), 0);
  header.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  m.transactionId.copy(header, 8);
  let msg = Buffer.concat([header, ...parts]);
  const finalLen = msg.length - STUN_HEADER_SIZE + (m.integrityKey ? 24 : 0) + (m.fingerprint ? 8 : 0);
  if (finalLen > 0xffff) fail('E_STUN_ENCODE', `STUN message body would be ${finalLen} bytes, over 65535`);

  if (m.integrityKey) {
    msg = Buffer.concat([msg, tlv(StunAttr.MessageIntegrity, integrityOver(msg, msg.length, m.integrityKey))]);
  }
  if (m.fingerprint) {
    msg.writeUInt16BE(msg.length + 8 - STUN_HEADER_SIZE, 2);
    const fp = Buffer.alloc(4);
    fp.writeUInt32BE((crc32(msg) ^ FINGERPRINT_XOR) >>> 0);
    msg = Buffer.concat([msg, tlv(StunAttr.Fingerprint, fp)]);
  }
  msg.writeUInt16BE(msg.length - STUN_HEADER_SIZE, 2);
  return msg;
}

/**
 * A Binding request with FINGERPRINT (recommended when STUN shares a socket with media).
 * The transaction id (random 96 bits unless given) is bytes 8..20 of the result.
 */
export function bindingRequest(transactionId: Buffer = randomBytes(12)): Buffer {
  return encodeStun({ method: StunMethod.Binding, cls: StunClass.Request, transactionId, fingerprint: true });
}

/**
 * Success response to a Binding request: XOR-MAPPED-ADDRESS, MAPPED-ADDRESS (for clients that only read
 * the pre-RFC 5389 attribute), SOFTWARE if given, FINGERPRINT. An IPv4-mapped IPv6 source (dual-stack
 * socket) is reported as IPv4, since that is the address the client actually has.
 */
export function bindingSuccess(request: StunMessage, seen: StunAddress, software?: string): Buffer {
  if (request.method !== StunMethod.Binding || request.cls !== StunClass.Request) {
    fail('E_STUN_ENCODE', `bindingSuccess needs a Binding request, got method ${hex(request.method)} class ${request.cls}`);
  }
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(seen.address);
  const addr: StunAddress = seen.family === 'IPv6' && m ? { family: 'IPv4', address: m[1], port: seen.port } : seen;
  return encodeStun({
    method: StunMethod.Binding,
    cls: StunClass.Success,
    transactionId: request.transactionId,
    xorMappedAddress: addr,
    mappedAddress: addr,
    software,
    fingerprint: true,
  });
}
