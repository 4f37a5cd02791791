import { longTermKey, PasswordAlgorithm, type StunEncodeInput, type StunIntegrity, type StunMessage, type StunPasswordAlgorithm } from '@pinhole/core';

export interface TurnCredentials {
  username: string;
  password: string;
}

type Signed = Pick<StunEncodeInput, 'username' | 'realm' | 'nonce' | 'integrityKey' | 'integrityAlgorithm' | 'passwordAlgorithm' | 'passwordAlgorithms'>;

/**
 * Long-term credentials (RFC 8489 §9.2): the server's 401 names a REALM and a NONCE (and, from
 * RFC 8489 servers, the PASSWORD-ALGORITHMS it takes); every later request carries USERNAME,
 * REALM, NONCE and MESSAGE-INTEGRITY(-SHA256) keyed with H(username:realm:password). A 438 Stale
 * Nonce only brings a fresh nonce.
 */
export class LongTermAuth {
  private realm?: string;
  private nonce?: string;
  private offered?: StunPasswordAlgorithm[];
  private algorithm: StunIntegrity = 'sha1';
  key?: Buffer;

  constructor(readonly credentials: TurnCredentials) {}

  get ready(): boolean {
    return !!this.key;
  }

  /** Takes the realm/nonce of a 401 or 438; false if the answer lacks them (then retrying cannot help). */
  challenge(msg: StunMessage): boolean {
    if (!msg.nonce || (!msg.realm && !this.realm)) return false;
    this.nonce = msg.nonce;
    if (msg.realm && msg.realm !== this.realm) {
      this.realm = msg.realm;
      this.offered = msg.passwordAlgorithms;
      // SHA-256 when the server offers it (bid-down protection echoes its list back, §9.2.4).
      this.algorithm = this.offered?.some((a) => a.algorithm === PasswordAlgorithm.SHA256) ? 'sha256' : 'sha1';
      this.key = longTermKey(this.credentials.username, this.realm, this.credentials.password, this.algorithm);
    }
    return true;
  }

  /** The attributes that sign a request (empty before the first challenge). */
  fields(): Signed {
    if (!this.key) return {};
    return {
      username: this.credentials.username,
      realm: this.realm,
      nonce: this.nonce,
      integrityKey: this.key,
      integrityAlgorithm: this.algorithm,
      ...(this.offered ? { passwordAlgorithms: this.offered, passwordAlgorithm: { algorithm: this.algorithm === 'sha256' ? PasswordAlgorithm.SHA256 : PasswordAlgorithm.MD5, params: Buffer.alloc(0) } } : {}),
    };
  }
}
