import NoiseState = require('noise-handshake');
import curve = require('noise-curve-ed');
import { fingerprint, type HandshakeParams, type HandshakeResult, type NoiseKeyPair } from '@pinhole/core';
import type { Pattern } from './handshake-wire';

type Step = { send: true } | { recv: Buffer };

const copy = (kp: NoiseKeyPair): NoiseKeyPair => ({ publicKey: Buffer.from(kp.publicKey), secretKey: Buffer.from(kp.secretKey) });

/**
 * One side's Noise handshake (noise-handshake + noise-curve-ed: the Ed25519 identity key is the
 * static key) that survives bad input. A Noise state is spoiled by a message that fails to
 * decrypt, and on UDP anyone who knows the ids can send one; so a failed (or refused) message
 * rebuilds the state to where it was — same static and ephemeral keys, same messages — and the
 * genuine message can still be taken afterwards. The ephemeral key is ours, so rebuilding
 * reproduces the very bytes already sent.
 */
export class NoiseRun {
  private state!: NoiseState;
  private readonly steps: Step[] = [];
  private readonly ephemeral: NoiseKeyPair = curve.generateKeyPair();

  constructor(
    readonly pattern: Pattern,
    readonly initiator: boolean,
    private readonly params: HandshakeParams,
    private readonly prologue: Buffer,
    private readonly remoteStatic?: Uint8Array,
  ) {
    this.rebuild();
  }

  get complete(): boolean {
    return this.state.complete;
  }

  /** The peer's static key, once a message carrying it was read (or given, for IK's initiator). */
  get remoteKey(): Buffer | undefined {
    return this.state.rs ?? undefined;
  }

  send(): Buffer {
    if (this.state.e === null) this.state.e = copy(this.ephemeral);
    const out = this.state.send();
    this.steps.push({ send: true });
    return out;
  }

  /**
   * Reads a message; false (state as before) when Noise refuses it. Noise gets a copy: it keeps
   * views into what it reads and wipes them when the handshake completes.
   */
  tryRecv(message: Buffer): boolean {
    try {
      this.state.recv(Buffer.from(message));
    } catch {
      this.rebuild();
      return false;
    }
    this.steps.push({ recv: Buffer.from(message) });
    return true;
  }

  /** Forgets the last message read (its sender was refused). */
  undo(): void {
    this.steps.pop();
    this.rebuild();
  }

  result(): HandshakeResult {
    const s = this.state;
    const { callId, localEndpoint, remoteEndpoint } = this.params;
    const remotePublicKey = new Uint8Array(s.rs!);
    const out: HandshakeResult = {
      pattern: this.pattern,
      initiator: this.initiator,
      callId,
      localEndpoint,
      remoteEndpoint,
      localPublicKey: new Uint8Array(this.params.identity.publicKey),
      remotePublicKey,
      remoteFingerprint: fingerprint(remotePublicKey),
      handshakeHash: new Uint8Array(s.hash!),
      tx: new Uint8Array(s.tx!),
      rx: new Uint8Array(s.rx!),
    };
    this.dispose();
    return out;
  }

  /** Wipes the ephemeral secret (the handshake is over or abandoned). */
  dispose(): void {
    this.ephemeral.secretKey.fill(0);
  }

  private rebuild(): void {
    const s = new NoiseState(this.pattern, this.initiator, this.params.identity.noiseKeyPair(), { curve });
    s.initialise(this.prologue, this.remoteStatic);
    this.state = s;
    for (const step of this.steps) {
      if ('recv' in step) s.recv(Buffer.from(step.recv));
      else {
        if (s.e === null) s.e = copy(this.ephemeral);
        s.send();
      }
    }
  }
}
