import * as sodium from 'sodium-native';
import {
  decodeSealedHeader,
  MAX_SEALED_COUNTER,
  MAX_SEALED_PAYLOAD,
  SEALED_HEADER_BYTES,
  SEALED_TAG_BYTES,
  SEALED_TYPES,
  SecurityErrors,
  WireError,
  writeSealedHeader,
  type DatagramCipher,
  type DatagramCipherStats,
  type DatagramDropReason,
  type DatagramTypeId,
  type OpenResult,
} from '@pinhole/core';
import { ReplayWindow } from './replay-window';

const TWO_32 = 2 ** 32;
/** What each header fault of decodeSealedHeader means as a drop. */
const HEADER_DROPS: Record<string, DatagramDropReason> = {
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
 */
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

  constructor(private readonly p: CipherParams) {
    this.sendKey = Buffer.from(p.sendKey);
    this.receiveKey = Buffer.from(p.receiveKey);
    this.next = p.firstCounter ?? 0;
  }

  seal(type: DatagramTypeId, payload: Uint8Array, channel?: number): Buffer {
    if (!SEALED_TYPES.has(type)) throw new WireError('E_DGRAM_TYPE', `message id ${type} is not carried sealed`);
    const plain = payload.length + (channel === undefined ? 0 : 1);
    if (plain > MAX_SEALED_PAYLOAD) throw new WireError('E_DGRAM_TOO_LARGE', `payload of ${plain} bytes exceeds ${MAX_SEALED_PAYLOAD} (sealed datagrams carry 36 bytes of header and tag); split it`);
    if (this.next > MAX_SEALED_COUNTER) throw SecurityErrors.COUNTER_EXHAUSTED(this.p.callId);
    const counter = this.next++;
    const out = Buffer.allocUnsafe(SEALED_HEADER_BYTES + plain + SEALED_TAG_BYTES);
    writeSealedHeader(out, type, plain + SEALED_TAG_BYTES, this.p.remoteEndpoint, this.p.localEndpoint, counter);
    if (channel === undefined) out.set(payload, SEALED_HEADER_BYTES);
    else {
      out[SEALED_HEADER_BYTES] = channel;
      out.set(payload, SEALED_HEADER_BYTES + 1);
    }
    setNonce(this.sendNonce, counter);
    const body = out.subarray(SEALED_HEADER_BYTES);
    sodium.crypto_aead_chacha20poly1305_ietf_encrypt(body, body.subarray(0, plain), out.subarray(0, SEALED_HEADER_BYTES), null, this.sendNonce, this.sendKey);
    this.stats.sealed++;
    return out;
  }

  open(datagram: Buffer): OpenResult {
    let header;
    try {
      header = decodeSealedHeader(datagram);
    } catch (err) {
      return this.drop(HEADER_DROPS[(err as WireError).code] ?? 'version');
    }
    if (header.dst !== this.p.localEndpoint || header.src !== this.p.remoteEndpoint) return this.drop('ids');
    if (!this.window.fresh(header.counter)) return this.drop('replay');
    setNonce(this.receiveNonce, header.counter);
    const body = datagram.subarray(SEALED_HEADER_BYTES);
    const plain = body.subarray(0, body.length - SEALED_TAG_BYTES);
    try {
      sodium.crypto_aead_chacha20poly1305_ietf_decrypt(plain, null, body, datagram.subarray(0, SEALED_HEADER_BYTES), this.receiveNonce, this.receiveKey);
    } catch {
      return this.drop('auth');
    }
    this.window.record(header.counter);
    this.stats.opened++;
    return { ok: true, type: header.type, counter: header.counter, payload: plain };
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

function setNonce(nonce: Buffer, counter: number): void {
  nonce.writeUInt32LE(counter % TWO_32, 4);
  nonce.writeUInt32LE(Math.floor(counter / TWO_32), 8);
}
