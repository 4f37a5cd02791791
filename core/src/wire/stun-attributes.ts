/**
 * The STUN attributes this codec understands, as one table: type, typed field, decoder and
 * encoder. RFC 8489 (STUN), RFC 8656 (TURN) and RFC 5780 (NAT behaviour discovery). Decoders
 * get a copy of the value with padding stripped and must throw WireError only.
 */
import { WireError } from '../errors';
import { bytesToIp, ipToBytes, type IpFamily } from './ip';

export const StunAttr = {
  MappedAddress: 0x0001,
  ChangeRequest: 0x0003,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  ChannelNumber: 0x000c,
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Data: 0x0013,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedAddressFamily: 0x0017,
  EvenPort: 0x0018,
  RequestedTransport: 0x0019,
  DontFragment: 0x001a,
  MessageIntegritySha256: 0x001c,
  PasswordAlgorithm: 0x001d,
  Userhash: 0x001e,
  XorMappedAddress: 0x0020,
  ReservationToken: 0x0022,
  ResponsePort: 0x0027,
  PasswordAlgorithms: 0x8002,
  AlternateDomain: 0x8003,
  Software: 0x8022,
  AlternateServer: 0x8023,
  Fingerprint: 0x8028,
  ResponseOrigin: 0x802b,
  OtherAddress: 0x802c,
  /**
   * Pinhole's own (comprehension-optional range): the server's alternate port on the same address.
   * RFC 5780's OTHER-ADDRESS promises a second address too, and standard clients then ask for changes
   * of address a ports-only server cannot make; this names the port alone.
   */
  AlternatePort: 0xc0a1,
} as const;

export interface StunAddress { family: IpFamily; address: string; port: number }
export interface StunErrorCode { code: number; reason: string }
/** RFC 8489 §18.5: 1 = MD5, 2 = SHA-256. */
export interface StunPasswordAlgorithm { algorithm: number; params: Buffer }

/** Typed attribute values: decoded into StunMessage, encoded from StunEncodeInput. First occurrence wins. */
export interface StunFields {
  mappedAddress?: StunAddress;
  xorMappedAddress?: StunAddress;
  username?: string;
  realm?: string;
  nonce?: string;
  errorCode?: StunErrorCode;
  unknownAttributes?: number[];
  software?: string;
  /** TURN: allocation / permission lifetime in seconds. */
  lifetime?: number;
  xorRelayedAddress?: StunAddress;
  xorPeerAddress?: StunAddress;
  data?: Buffer;
  /** TURN channel 0x4000–0x4FFF. */
  channelNumber?: number;
  /** IP protocol number of the relayed transport (17 = UDP). */
  requestedTransport?: number;
  requestedAddressFamily?: IpFamily;
  dontFragment?: boolean;
  /** EVEN-PORT with its R (reserve next port) bit. */
  evenPort?: { reserve: boolean };
  reservationToken?: Buffer;
  passwordAlgorithm?: StunPasswordAlgorithm;
  passwordAlgorithms?: StunPasswordAlgorithm[];
  userhash?: Buffer;
  alternateServer?: StunAddress;
  alternateDomain?: string;
  /** RFC 5780: answer from the other address and/or port. */
  changeRequest?: { changeIp: boolean; changePort: boolean };
  /** RFC 5780: where the response was sent from. */
  responseOrigin?: StunAddress;
  /** RFC 5780: the server's alternate address and port (for CHANGE-REQUEST and mapping tests). */
  otherAddress?: StunAddress;
  /** RFC 5780: send the response to this port (same address as the request came from). */
  responsePort?: number;
  /** Pinhole: the server's alternate port on the same address (ports-only NAT classification). */
  alternatePort?: number;
}

export const STUN_MAGIC_COOKIE = 0x2112a442;
const COOKIE_BYTES = Buffer.from([0x21, 0x12, 0xa4, 0x42]);
// RFC 8489 §14: value-length limits, in bytes.
export const MAX_USERNAME = 513;
export const MAX_TEXT = 763;

export function fail(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new WireError(code, message, details);
}
export const hex = (t: number) => `0x${t.toString(16).padStart(4, '0')}`;

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
  return { family: fam === 1 ? 'IPv4' : 'IPv6', address: bytesToIp(ip), port };
}

function encodeAddress(a: StunAddress, mask?: Buffer): Buffer {
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 0xffff) fail('E_STUN_ENCODE', `port ${a.port} is not 0..65535`);
  if (a.family !== 'IPv4' && a.family !== 'IPv6') fail('E_STUN_ENCODE', `address family ${String(a.family)} is not IPv4 or IPv6`);
  const ip = ipToBytes(a.address);
  if (!ip || (ip.length === 4) !== (a.family === 'IPv4')) fail('E_STUN_ENCODE', `"${a.address}" is not an ${a.family} address`);
  const out = Buffer.alloc(4 + ip.length);
  out[1] = ip.length === 4 ? 1 : 2;
  out.writeUInt16BE(a.port ^ (mask ? STUN_MAGIC_COOKIE >>> 16 : 0), 2);
  for (let i = 0; i < ip.length; i++) out[4 + i] = ip[i] ^ (mask ? mask[i] : 0);
  return out;
}

function text(name: string, max: number) {
  return {
    decode: (v: Buffer): string => (v.length > max ? fail('E_STUN_ATTR', `${name} is ${v.length} bytes, over ${max}`) : v.toString('utf8')),
    encode: (s: string): Buffer => {
      const b = Buffer.from(s, 'utf8');
      return b.length > max ? fail('E_STUN_ENCODE', `${name} is ${b.length} bytes, over ${max}`) : b;
    },
  };
}

function u32(name: string) {
  return {
    decode: (v: Buffer): number => (v.length !== 4 ? fail('E_STUN_ATTR', `${name} must be 4 bytes, got ${v.length}`) : v.readUInt32BE(0)),
    encode: (n: number): Buffer => {
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) fail('E_STUN_ENCODE', `${name} ${n} is not a 32-bit unsigned integer`);
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n, 0);
      return b;
    },
  };
}

/** A 16-bit value in the first half of a 4-byte attribute (the rest is RFFU padding). */
function u16(name: string, min: number, max: number) {
  return {
    decode: (v: Buffer): number => (v.length !== 4 ? fail('E_STUN_ATTR', `${name} must be 4 bytes, got ${v.length}`) : v.readUInt16BE(0)),
    encode: (n: number): Buffer => {
      if (!Number.isInteger(n) || n < min || n > max) fail('E_STUN_ENCODE', `${name} ${n} is not ${min}..${max}`);
      const b = Buffer.alloc(4);
      b.writeUInt16BE(n, 0);
      return b;
    },
  };
}

function fixed(name: string, size: number) {
  return {
    decode: (v: Buffer): Buffer => (v.length !== size ? fail('E_STUN_ATTR', `${name} must be ${size} bytes, got ${v.length}`) : v),
    encode: (b: Buffer): Buffer => (!Buffer.isBuffer(b) || b.length !== size ? fail('E_STUN_ENCODE', `${name} must be a ${size}-byte Buffer`) : b),
  };
}

function address(name: string, xor: boolean) {
  return {
    decode: (v: Buffer, txid: Buffer): StunAddress => decodeAddress(v, name, xor ? xorPad(txid) : undefined),
    encode: (a: StunAddress, txid: Buffer): Buffer => encodeAddress(a, xor ? xorPad(txid) : undefined),
  };
}

const flag = {
  decode: (): boolean => true,
  encode: (): Buffer => Buffer.alloc(0),
};

function decodeAlgorithms(v: Buffer, name: string): StunPasswordAlgorithm[] {
  const out: StunPasswordAlgorithm[] = [];
  for (let o = 0; o < v.length; ) {
    if (o + 4 > v.length) fail('E_STUN_ATTR', `${name} is truncated at offset ${o}`);
    const algorithm = v.readUInt16BE(o);
    const len = v.readUInt16BE(o + 2);
    const end = o + 4 + ((len + 3) & ~3);
    if (o + 4 + len > v.length) fail('E_STUN_ATTR', `${name} parameters overrun the attribute at offset ${o}`);
    out.push({ algorithm, params: Buffer.from(v.subarray(o + 4, o + 4 + len)) });
    o = Math.min(end, v.length);
  }
  return out;
}

function encodeAlgorithms(list: StunPasswordAlgorithm[]): Buffer {
  return Buffer.concat(
    list.map(({ algorithm, params }) => {
      const b = Buffer.alloc(4 + ((params.length + 3) & ~3));
      b.writeUInt16BE(algorithm & 0xffff, 0);
      b.writeUInt16BE(params.length, 2);
      params.copy(b, 4);
      return b;
    }),
  );
}

interface Spec<K extends keyof StunFields> {
  type: number;
  decode(v: Buffer, txid: Buffer): NonNullable<StunFields[K]>;
  encode(value: NonNullable<StunFields[K]>, txid: Buffer): Buffer;
}
type Table = { [K in keyof Required<StunFields>]: Spec<K> };

/** Every typed attribute, in the order the encoder writes them. */
export const ATTRIBUTE_TABLE: Table = {
  xorMappedAddress: { type: StunAttr.XorMappedAddress, ...address('XOR-MAPPED-ADDRESS', true) },
  mappedAddress: { type: StunAttr.MappedAddress, ...address('MAPPED-ADDRESS', false) },
  xorRelayedAddress: { type: StunAttr.XorRelayedAddress, ...address('XOR-RELAYED-ADDRESS', true) },
  xorPeerAddress: { type: StunAttr.XorPeerAddress, ...address('XOR-PEER-ADDRESS', true) },
  responseOrigin: { type: StunAttr.ResponseOrigin, ...address('RESPONSE-ORIGIN', false) },
  otherAddress: { type: StunAttr.OtherAddress, ...address('OTHER-ADDRESS', false) },
  alternateServer: { type: StunAttr.AlternateServer, ...address('ALTERNATE-SERVER', false) },
  username: { type: StunAttr.Username, ...text('USERNAME', MAX_USERNAME) },
  realm: { type: StunAttr.Realm, ...text('REALM', MAX_TEXT) },
  nonce: { type: StunAttr.Nonce, ...text('NONCE', MAX_TEXT) },
  software: { type: StunAttr.Software, ...text('SOFTWARE', MAX_TEXT) },
  alternateDomain: { type: StunAttr.AlternateDomain, ...text('ALTERNATE-DOMAIN', 255) },
  errorCode: {
    type: StunAttr.ErrorCode,
    decode: (v) => {
      if (v.length < 4 || v.length > 4 + MAX_TEXT) fail('E_STUN_ATTR', `ERROR-CODE length ${v.length} is outside 4..${4 + MAX_TEXT}`);
      const klass = v[2] & 7;
      const num = v[3];
      if (klass < 3 || klass > 6 || num > 99) fail('E_STUN_ATTR', `ERROR-CODE class ${klass} number ${num} is not a 300-699 code`);
      return { code: klass * 100 + num, reason: v.subarray(4).toString('utf8') };
    },
    encode: ({ code, reason }) => {
      if (!Number.isInteger(code) || code < 300 || code > 699) fail('E_STUN_ENCODE', `error code ${code} is not 300..699`);
      const r = text('ERROR-CODE reason', MAX_TEXT).encode(reason);
      const v = Buffer.alloc(4 + r.length);
      v[2] = Math.floor(code / 100);
      v[3] = code % 100;
      r.copy(v, 4);
      return v;
    },
  },
  unknownAttributes: {
    type: StunAttr.UnknownAttributes,
    decode: (v) => {
      if (v.length % 2) fail('E_STUN_ATTR', `UNKNOWN-ATTRIBUTES length ${v.length} is odd`);
      const list: number[] = [];
      for (let i = 0; i < v.length; i += 2) list.push(v.readUInt16BE(i));
      return list;
    },
    encode: (list) => {
      const v = Buffer.alloc(list.length * 2);
      list.forEach((t, i) => v.writeUInt16BE(t & 0xffff, i * 2));
      return v;
    },
  },
  lifetime: { type: StunAttr.Lifetime, ...u32('LIFETIME') },
  data: { type: StunAttr.Data, decode: (v) => v, encode: (b) => (Buffer.isBuffer(b) ? b : fail('E_STUN_ENCODE', 'DATA must be a Buffer')) },
  channelNumber: { type: StunAttr.ChannelNumber, ...u16('CHANNEL-NUMBER', 0x4000, 0x4fff) },
  requestedTransport: {
    type: StunAttr.RequestedTransport,
    decode: (v) => (v.length !== 4 ? fail('E_STUN_ATTR', `REQUESTED-TRANSPORT must be 4 bytes, got ${v.length}`) : v[0]),
    encode: (p) => (Number.isInteger(p) && p >= 0 && p <= 255 ? Buffer.from([p, 0, 0, 0]) : fail('E_STUN_ENCODE', `transport protocol ${p} is not 0..255`)),
  },
  requestedAddressFamily: {
    type: StunAttr.RequestedAddressFamily,
    decode: (v) => (v.length !== 4 || (v[0] !== 1 && v[0] !== 2) ? fail('E_STUN_ATTR', 'REQUESTED-ADDRESS-FAMILY must be 4 bytes with family 1 or 2') : v[0] === 1 ? 'IPv4' : 'IPv6'),
    encode: (f) => Buffer.from([f === 'IPv4' ? 1 : 2, 0, 0, 0]),
  },
  dontFragment: { type: StunAttr.DontFragment, ...flag },
  evenPort: {
    type: StunAttr.EvenPort,
    decode: (v) => (v.length !== 1 ? fail('E_STUN_ATTR', `EVEN-PORT must be 1 byte, got ${v.length}`) : { reserve: (v[0] & 0x80) !== 0 }),
    encode: (e) => Buffer.from([e.reserve ? 0x80 : 0]),
  },
  reservationToken: { type: StunAttr.ReservationToken, ...fixed('RESERVATION-TOKEN', 8) },
  userhash: { type: StunAttr.Userhash, ...fixed('USERHASH', 32) },
  passwordAlgorithm: {
    type: StunAttr.PasswordAlgorithm,
    decode: (v) => {
      const list = decodeAlgorithms(v, 'PASSWORD-ALGORITHM');
      return list.length === 1 ? list[0] : fail('E_STUN_ATTR', `PASSWORD-ALGORITHM must hold one algorithm, got ${list.length}`);
    },
    encode: (a) => encodeAlgorithms([a]),
  },
  passwordAlgorithms: { type: StunAttr.PasswordAlgorithms, decode: (v) => decodeAlgorithms(v, 'PASSWORD-ALGORITHMS'), encode: encodeAlgorithms },
  responsePort: { type: StunAttr.ResponsePort, ...u16('RESPONSE-PORT', 1, 0xffff) },
  alternatePort: { type: StunAttr.AlternatePort, ...u16('ALTERNATE-PORT', 1, 0xffff) },
  changeRequest: {
    type: StunAttr.ChangeRequest,
    decode: (v) => (v.length !== 4 ? fail('E_STUN_ATTR', `CHANGE-REQUEST must be 4 bytes, got ${v.length}`) : { changeIp: (v[3] & 4) !== 0, changePort: (v[3] & 2) !== 0 }),
    encode: (c) => Buffer.from([0, 0, 0, (c.changeIp ? 4 : 0) | (c.changePort ? 2 : 0)]),
  },
};

/** Attribute type → field name, for the decoder. */
export const FIELD_BY_TYPE: ReadonlyMap<number, keyof StunFields> = new Map(
  (Object.keys(ATTRIBUTE_TABLE) as Array<keyof StunFields>).map((k) => [ATTRIBUTE_TABLE[k].type, k]),
);
