/**
 * STUN message codec (RFC 8489), with the attributes of TURN (RFC 8656) and NAT behaviour
 * discovery (RFC 5780): the manager answers Binding requests with XOR-MAPPED-ADDRESS, peers
 * send Binding requests from their media socket, the TURN client speaks Allocate/Refresh/….
 * Pure functions over Buffers; no sockets.
 *
 * Every malformed input throws WireError (never a RangeError from a Buffer read):
 * all lengths are checked before any read at an offset derived from the packet.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'crypto';
import { crc32 } from 'zlib';
import { unmapIPv4 } from './ip';
import {
  ATTRIBUTE_TABLE,
  FIELD_BY_TYPE,
  STUN_MAGIC_COOKIE,
  StunAttr,
  fail,
  hex,
  type StunAddress,
  type StunFields,
} from './stun-attributes';

export { STUN_MAGIC_COOKIE, StunAttr } from './stun-attributes';
export type { StunAddress, StunErrorCode, StunFields, StunPasswordAlgorithm } from './stun-attributes';

export const STUN_HEADER_SIZE = 20;
/** One Ethernet MTU: a Binding exchange never needs more, and it caps work on hostile input. */
export const STUN_DEFAULT_MAX_SIZE = 1500;

export const StunMethod = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
} as const;
export const StunClass = { Request: 0, Indication: 1, Success: 2, Error: 3 } as const;

export interface StunAttribute { type: number; value: Buffer }
export type StunIntegrity = 'sha1' | 'sha256';

export interface StunMessage extends StunFields {
  method: number;
  cls: number;
  /** 12 bytes (a copy; safe to keep after the datagram buffer is reused). */
  transactionId: Buffer;
  /** Every attribute in wire order, padding stripped; values are copies. */
  attributes: StunAttribute[];
  /** Comprehension-required types (< 0x8000) this codec does not understand; a server answers 420 listing them. */
  unknownRequired: number[];
  hasFingerprint: boolean;
  /** MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256 is present. */
  hasIntegrity: boolean;
  /** The strongest integrity attribute present (the one decode checks against integrityKey). */
  integrity?: StunIntegrity;
}

export interface StunDecodeOptions {
  /** Reject larger datagrams before looking at them (default 1500). */
  maxSize?: number;
  /**
   * If set, an integrity attribute must be present and match this key, else E_STUN_INTEGRITY.
   * MESSAGE-INTEGRITY-SHA256 is checked when present (RFC 8489 §9.1.3), else MESSAGE-INTEGRITY.
   */
  integrityKey?: Buffer;
}

export interface StunEncodeInput extends StunFields {
  method: number;
  cls: number;
  transactionId: Buffer;
  /** Raw extra attributes, written after the typed ones (integrity/FINGERPRINT not allowed here). */
  attributes?: StunAttribute[];
  /** Short-term: the password; long-term: longTermKey(user, realm, password, algorithm). */
  integrityKey?: Buffer;
  /** Which integrity attribute to add with integrityKey (default sha1: MESSAGE-INTEGRITY). */
  integrityAlgorithm?: StunIntegrity;
  fingerprint?: boolean;
}

/** XORed into the CRC so a FINGERPRINT never equals a plain CRC-32 of some other multiplexed protocol. */
const FINGERPRINT_XOR = 0x5354554e;
const COMPUTED = new Set<number>([StunAttr.MessageIntegrity, StunAttr.MessageIntegritySha256, StunAttr.Fingerprint]);

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

interface IntegrityAt { offset: number; length: number; algorithm: StunIntegrity }
interface Parsed { msg: StunMessage; integrity?: IntegrityAt }

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
  let sha1: IntegrityAt | undefined;
  let sha256: IntegrityAt | undefined;

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
    } else if (sha256) {
      // §14.6: only FINGERPRINT may follow MESSAGE-INTEGRITY-SHA256; anything else is unauthenticated and ignored.
    } else if (t === StunAttr.MessageIntegritySha256) {
      if (l < 16 || l > 32 || l % 4) fail('E_STUN_ATTR', `MESSAGE-INTEGRITY-SHA256 must be 16..32 bytes in steps of 4, got ${l}`, { length: l });
      sha256 = { offset: off, length: l, algorithm: 'sha256' };
      msg.attributes.push({ type: t, value });
    } else if (sha1) {
      // §14.5: attributes after MESSAGE-INTEGRITY (other than the two above) are unauthenticated; ignore them.
    } else if (t === StunAttr.MessageIntegrity) {
      if (l !== 20) fail('E_STUN_ATTR', `MESSAGE-INTEGRITY must be 20 bytes, got ${l}`, { length: l });
      sha1 = { offset: off, length: 20, algorithm: 'sha1' };
      msg.attributes.push({ type: t, value });
    } else {
      msg.attributes.push({ type: t, value });
      readKnown(msg, t, value);
    }
    off = next;
  }
  const integrity = sha256 ?? sha1;
  msg.hasIntegrity = !!integrity;
  if (integrity) msg.integrity = integrity.algorithm;
  return { msg, integrity };
}

// Fills the typed fields; only the first occurrence of each attribute counts (§14).
function readKnown(msg: StunMessage, t: number, v: Buffer): void {
  const field = FIELD_BY_TYPE.get(t);
  if (field) {
    if (msg[field] === undefined) (msg as unknown as Record<string, unknown>)[field] = (ATTRIBUTE_TABLE[field] as { decode(v: Buffer, txid: Buffer): unknown }).decode(v, msg.transactionId);
    return;
  }
  // Comprehension-optional (>= 0x8000) unknowns are silently kept; required ones are reported, not thrown,
  // so a server can answer 420 (Unknown Attribute) instead of dropping the request.
  if (t < 0x8000 && !msg.unknownRequired.includes(t)) msg.unknownRequired.push(t);
}

/** HMAC over the message up to the integrity attribute, with the header length pretending it is the last one (§14.5, §14.6). */
function integrityOver(buf: Buffer, at: IntegrityAt, key: Buffer): Buffer {
  const head = Buffer.from(buf.subarray(0, at.offset));
  head.writeUInt16BE(at.offset + 4 + at.length - STUN_HEADER_SIZE, 2);
  return createHmac(at.algorithm, key).update(head).digest().subarray(0, at.length);
}

function integrityMatches(buf: Buffer, at: IntegrityAt, key: Buffer): boolean {
  return timingSafeEqual(integrityOver(buf, at, key), buf.subarray(at.offset + 4, at.offset + 4 + at.length));
}

/**
 * Decode and validate one STUN datagram: header, length, attribute bounds and padding, FINGERPRINT
 * (if present; must be last) and, with opts.integrityKey, the integrity attribute. Throws WireError only.
 */
export function decodeStun(buf: Buffer, opts: StunDecodeOptions = {}): StunMessage {
  const { msg, integrity } = parse(buf, opts.maxSize ?? STUN_DEFAULT_MAX_SIZE);
  if (opts.integrityKey) {
    if (!integrity) fail('E_STUN_INTEGRITY', 'MESSAGE-INTEGRITY is required but absent');
    if (!integrityMatches(buf, integrity, opts.integrityKey)) {
      fail('E_STUN_INTEGRITY', `${integrity.algorithm === 'sha256' ? 'MESSAGE-INTEGRITY-SHA256' : 'MESSAGE-INTEGRITY'} does not match the key (wrong password or tampered message)`);
    }
  }
  return msg;
}

/**
 * True if buf carries an integrity attribute (SHA-256 preferred) that matches key (short-term: the
 * password bytes; SASLprep is the identity for ASCII). False if absent or wrong. Throws WireError if
 * buf is not well-formed STUN.
 */
export function verifyMessageIntegrity(buf: Buffer, key: Buffer): boolean {
  const { integrity } = parse(buf, Infinity);
  return !!integrity && integrityMatches(buf, integrity, key);
}

function tlv(type: number, value: Buffer): Buffer {
  if (value.length > 0xffff) fail('E_STUN_ENCODE', `attribute ${hex(type)} value is ${value.length} bytes, over 65535`);
  const out = Buffer.alloc(4 + ((value.length + 3) & ~3)); // zero padding
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

/** Build a STUN message. Invalid input throws WireError E_STUN_ENCODE. */
export function encodeStun(m: StunEncodeInput): Buffer {
  if (!Number.isInteger(m.method) || m.method < 0 || m.method > 0xfff) fail('E_STUN_ENCODE', `method ${m.method} is not 0..0xfff`);
  if (!Number.isInteger(m.cls) || m.cls < 0 || m.cls > 3) fail('E_STUN_ENCODE', `class ${m.cls} is not 0..3`);
  if (!Buffer.isBuffer(m.transactionId) || m.transactionId.length !== 12) fail('E_STUN_ENCODE', 'transaction id must be a 12-byte Buffer');

  const parts: Buffer[] = [];
  for (const field of Object.keys(ATTRIBUTE_TABLE) as Array<keyof StunFields>) {
    const value = m[field];
    // A false flag (dontFragment: false) or an empty UNKNOWN-ATTRIBUTES list means "leave it out".
    if (value === undefined || value === false || (Array.isArray(value) && value.length === 0 && field === 'unknownAttributes')) continue;
    const spec = ATTRIBUTE_TABLE[field] as { type: number; encode(v: unknown, txid: Buffer): Buffer };
    parts.push(tlv(spec.type, spec.encode(value, m.transactionId)));
  }
  for (const a of m.attributes ?? []) {
    if (COMPUTED.has(a.type)) fail('E_STUN_ENCODE', `attribute ${hex(a.type)} is computed by the encoder; use integrityKey / fingerprint instead`);
    if (!Number.isInteger(a.type) || a.type < 0 || a.type > 0xffff) fail('E_STUN_ENCODE', `attribute type ${a.type} is not 0..0xffff`);
    parts.push(tlv(a.type, a.value));
  }

  const header = Buffer.alloc(STUN_HEADER_SIZE);
  header.writeUInt16BE(messageType(m.method, m.cls), 0);
  header.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  m.transactionId.copy(header, 8);
  let msg = Buffer.concat([header, ...parts]);
  const algorithm = m.integrityAlgorithm ?? 'sha1';
  const miSize = algorithm === 'sha256' ? 32 : 20;
  const finalLen = msg.length - STUN_HEADER_SIZE + (m.integrityKey ? 4 + miSize : 0) + (m.fingerprint ? 8 : 0);
  if (finalLen > 0xffff) fail('E_STUN_ENCODE', `STUN message body would be ${finalLen} bytes, over 65535`);

  if (m.integrityKey) {
    const at: IntegrityAt = { offset: msg.length, length: miSize, algorithm };
    const type = algorithm === 'sha256' ? StunAttr.MessageIntegritySha256 : StunAttr.MessageIntegrity;
    msg = Buffer.concat([msg, tlv(type, integrityOver(msg, at, m.integrityKey))]);
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

/** An IPv4-mapped IPv6 source (dual-stack socket) as the IPv4 address the client actually has. */
export function unmappedStunAddress(seen: StunAddress): StunAddress {
  const address = unmapIPv4(seen.address);
  return address === seen.address ? seen : { family: 'IPv4', address, port: seen.port };
}

/**
 * Success response to a Binding request: XOR-MAPPED-ADDRESS, MAPPED-ADDRESS (for clients that only read
 * the pre-RFC 5389 attribute), SOFTWARE if given, any `extra` typed attributes (RESPONSE-ORIGIN,
 * OTHER-ADDRESS …), FINGERPRINT. An IPv4-mapped IPv6 source is reported as IPv4.
 */
export function bindingSuccess(request: StunMessage, seen: StunAddress, software?: string, extra: StunFields = {}): Buffer {
  if (request.method !== StunMethod.Binding || request.cls !== StunClass.Request) {
    fail('E_STUN_ENCODE', `bindingSuccess needs a Binding request, got method ${hex(request.method)} class ${request.cls}`);
  }
  const addr = unmappedStunAddress(seen);
  return encodeStun({
    ...extra,
    method: StunMethod.Binding,
    cls: StunClass.Success,
    transactionId: request.transactionId,
    xorMappedAddress: addr,
    mappedAddress: addr,
    software,
    fingerprint: true,
  });
}
