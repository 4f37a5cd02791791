// Types for the parts of untyped dependencies this plugin uses (none ship their own).

declare module 'noise-handshake' {
  interface NoiseKeyPair {
    publicKey: Buffer;
    secretKey: Buffer;
  }
  class NoiseState {
    constructor(pattern: 'IK' | 'XX', initiator: boolean, staticKeyPair: NoiseKeyPair, opts?: { curve?: unknown });
    initialise(prologue: Uint8Array, remoteStatic?: Uint8Array): void;
    send(payload?: Uint8Array): Buffer;
    recv(message: Uint8Array): Buffer;
    /** The ephemeral key pair; send() generates one when null. */
    e: NoiseKeyPair | null;
    rs: Buffer | null;
    complete: boolean;
    tx: Buffer | null;
    rx: Buffer | null;
    hash: Buffer | null;
  }
  export = NoiseState;
}

declare module 'noise-curve-ed' {
  const curve: { PKLEN: number; generateKeyPair(): { publicKey: Buffer; secretKey: Buffer } };
  export = curve;
}

declare module 'sodium-native' {
  export const crypto_aead_chacha20poly1305_ietf_ABYTES: number;
  export const crypto_aead_chacha20poly1305_ietf_KEYBYTES: number;
  export const crypto_aead_chacha20poly1305_ietf_NPUBBYTES: number;
  export function crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number;
  /** Throws when the tag does not verify. */
  export function crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number;
  export function crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
  export function sodium_memzero(buf: Uint8Array): void;
}

declare module '@hyperswarm/secret-stream' {
  import type { EventEmitter } from 'events';
  interface PrecomputedHandshake {
    tx: Uint8Array;
    rx: Uint8Array;
    hash: Uint8Array;
    publicKey: Uint8Array;
    remotePublicKey: Uint8Array;
  }
  class NoiseSecretStream extends EventEmitter {
    constructor(isInitiator: boolean, rawStream: unknown, opts?: { handshake?: PrecomputedHandshake; enableSend?: boolean });
    write(chunk: Buffer): boolean;
    end(chunk?: Buffer): void;
    destroy(err?: Error): void;
    pause(): this;
    resume(): this;
    readonly destroyed: boolean;
    readonly rawBytesWritten: number;
    readonly rawBytesRead: number;
  }
  export = NoiseSecretStream;
}
