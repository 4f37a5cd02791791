import { Buffer } from 'buffer'; // the module's, not the global Buffer: that one is an accessor, read on every use
import sodium = require('sodium-native');
import * as core from '@pinhole/core';
import {
  SEALED_HEADER_BYTES,
  SEALED_TAG_BYTES,
  SecurityErrors,
  WireError,
  type DatagramCipher,
  type DatagramCipherStats,
  type DatagramDropReason,
  type DatagramTypeId,
  type OpenResult,
  type SealedHeaderFault,
} from '@pinhole/core';
import { DatagramSlab } from './datagram-slab';
import { ReplayWindow } from './replay-window';

/**
 * What seal() and open() call per datagram, read once: @pinhole/core's re-exports are getters
 * (tsc's `export *`), as are the members of an `import * as` of a CommonJS module; one getter
 * call with a megamorphic lookup per use cost more than the sealing code around the AEAD.
 */
const { readU32, sealedCounter, sealedHeaderFault, writeSealedHeader, SEALED_TYPES, MAX_SEALED_COUNTER, MAX_SEALED_PAYLOAD } = core;
const { crypto_aead_chacha20poly1305_ietf_encrypt: aeadEncrypt, crypto_aead_chacha20poly1305_ietf_decrypt: aeadDecrypt } = sodium;

const TWO_32 = 2 ** 32;
/** What each header fault of decodeSealedHeader means as a drop. */
const HEADER_DROPS: Record<SealedHeaderFault, DatagramDropReason> = {
  E_DGRAM_TOO_LARGE: 'long',
  E_DGRAM_SHORT: 'short',
  E_DGRAM_VERSION: 'version',
  E_DGRAM_SIZE: 'size',
  E_DGRAM_TYPE: 'type',
  E_DGRAM_COUNTER: 'counter',
};

export interface CipherParams {
  callId: string;
  localEndpoint: number;
  remoteEndpoint: number;
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  /** First counter to send with (tests start near the limit). */
  firstCounter?: number;
}

/**
 * ChaCha20-Poly1305 IETF over the sealed v2 layout: the 20-byte header is the associated data,
 * the nonce is 4 zero bytes ‖ counter (u64 LE), one key per direction, a counter that never
 * repeats (the sender stops at MAX_SEALED_COUNTER) and a 2048-entry replay window. open()
 * checks the cheap things first (header, ids, window), authenticates, then records the counter.
 *
 * Both run once per datagram, so neither allocates more than it must: sealed datagrams come from
 * a slab (fresh memory each, see DatagramSlab), sodium gets plain Uint8Array views, the header
 * is checked without an object or an exception, and the nonces are reused buffers.
 */
const slab = new DatagramSlab();
const H = SEALED_HEADER_BYTES;
const T = SEALED_TAG_BYTES;

export class SealedDatagramCipher implements DatagramCipher {
  readonly stats: DatagramCipherStats = {
    sealed: 0,
    opened: 0,
    dropped: 0,
    drops: { short: 0, long: 0, version: 0, size: 0, type: 0, ids: 0, counter: 0, replay: 0, auth: 0 },
  };
  private next: number;
  private readonly window = new ReplayWindow();
  private readonly sendKey: Buffer;
  private readonly receiveKey: Buffer;
  private readonly sendNonce = Buffer.alloc(12);
  private readonly receiveNonce = Buffer.alloc(12);
  /** The endpoint ids as the header's unsigned u32s. */
  private readonly localId: number;
  private readonly remoteId: number;

  constructor(private readonly p: CipherParams) {
    this.sendKey = Buffer.from(p.sendKey);
    this.receiveKey = Buffer.from(p.receiveKey);
    this.next = p.firstCounter ?? 0;
    this.localId = p.localEndpoint >>> 0;
    this.remoteId = p.remoteEndpoint >>> 0;
  }

  seal(type: DatagramTypeId, payload: Uint8Array, channel?: number): Buffer {
    if (!SEALED_TYPES.has(type)) throw new WireError('E_DGRAM_TYPE', `message id ${type} is not carried sealed`);
    const plain = payload.length + (channel === undefined ? 0 : 1);
    if (plain > MAX_SEALED_PAYLOAD) throw new WireError('E_DGRAM_TOO_LARGE', `payload of ${plain} bytes exceeds ${MAX_SEALED_PAYLOAD} (sealed datagrams carry 36 bytes of header and tag); split it`);
    if (this.next > MAX_SEALED_COUNTER) throw SecurityErrors.COUNTER_EXHAUSTED(this.p.callId);
    const counter = this.next++;
    const out = slab.take(H + plain + T);
    writeSealedHeader(out, type, plain + T, this.p.remoteEndpoint, this.p.localEndpoint, counter);
    if (channel === undefined) out.set(payload, H);
    else {
      out[H] = channel;
      out.set(payload, H + 1);
    }
    setNonce(this.sendNonce, counter);
    const ab = out.buffer;
    const at = out.byteOffset;
    // In place: the plaintext after the header becomes ciphertext ‖ tag; the header is the AD.
    aeadEncrypt(new Uint8Array(ab, at + H, plain + T), new Uint8Array(ab, at + H, plain), new Uint8Array(ab, at, H), null, this.sendNonce, this.sendKey);
    this.stats.sealed++;
    return out;
  }

  open(datagram: Buffer): OpenResult {
    const fault = sealedHeaderFault(datagram);
    if (fault !== undefined) return this.drop(HEADER_DROPS[fault]);
    if (readU32(datagram, 4) !== this.localId || readU32(datagram, 8) !== this.remoteId) return this.drop('ids');
    const counter = sealedCounter(datagram);
    if (!this.window.fresh(counter)) return this.drop('replay');
    setNonce(this.receiveNonce, counter);
    const ab = datagram.buffer;
    const at = datagram.byteOffset;
    const plain = datagram.length - H - T;
    try {
      aeadDecrypt(new Uint8Array(ab, at + H, plain), null, new Uint8Array(ab, at + H, plain + T), new Uint8Array(ab, at, H), this.receiveNonce, this.receiveKey);
    } catch {
      return this.drop('auth');
    }
    this.window.record(counter);
    this.stats.opened++;
    return { ok: true, type: datagram[1] as DatagramTypeId, counter, payload: Buffer.from(ab, at + H, plain) };
  }

  /** Wipes the keys; the cipher refuses everything after. */
  destroy(): void {
    sodium.sodium_memzero(this.sendKey);
    sodium.sodium_memzero(this.receiveKey);
    this.next = MAX_SEALED_COUNTER + 1;
  }

  private drop(reason: DatagramDropReason): OpenResult {
    this.stats.dropped++;
    this.stats.drops[reason]++;
    return { ok: false, reason };
  }
}

/** nonce = 4 zero bytes ‖ counter as u64 little-endian (byte stores: once per datagram). */
function setNonce(nonce: Uint8Array, counter: number): void {
  let lo = counter % TWO_32;
  let hi = Math.floor(counter / TWO_32);
  for (let i = 4; i < 8; i++, lo >>>= 8) nonce[i] = lo;
  for (let i = 8; i < 12; i++, hi >>>= 8) nonce[i] = hi;
}
