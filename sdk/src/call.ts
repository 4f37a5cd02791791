import { crc32 } from 'zlib';
import { formatAddress, type Disposable, type EstablishedCall, type PeerClient, type ReliableStream } from '@pinhole/core';

/** Named streams of an app live on channels 0x0100–0x0eff (file and plugin payloads use others). */
const STREAM_CHANNELS = { first: 0x100, count: 0xe00 };

/**
 * One established call: its direct path is up, authenticated to the other peer's key and
 * encrypted (unless both ends run insecure). Carries datagrams, named reliable streams, and the
 * payload types (files, voice, plugins') the peer's methods attach to it.
 */
export class Call {
  /** Resolves with the reason when the call ends (either side hung up, or the path died). */
  readonly closed: Promise<string>;

  constructor(readonly raw: EstablishedCall, private readonly client: PeerClient) {
    this.closed = new Promise((resolve) => raw.session.onClose(resolve));
  }

  get id(): string {
    return this.raw.callId;
  }
  /** The other peer's name. */
  get peer(): string {
    return this.raw.remotePeerId;
  }
  get role(): 'caller' | 'callee' {
    return this.raw.role;
  }
  /** `direct`, or `relay` when a relay strategy carried it. */
  get path(): string {
    return this.raw.window.path;
  }
  /** The openWindow strategy that found the path (null-udp …). */
  get strategy(): string {
    return this.raw.window.strategy;
  }
  /** The other peer's address on the path, HOST:PORT. */
  get remote(): string {
    return formatAddress(this.raw.session.params.remote);
  }
  get setupMs(): number {
    return this.raw.setupMs;
  }
  get encrypted(): boolean {
    return !!this.raw.security;
  }
  /** The other peer's key fingerprint, as `pinhole id` shows it (undefined when insecure). */
  get remoteFingerprint(): string | undefined {
    return this.raw.security?.remoteFingerprint;
  }
  /** Payload types both sides agreed on for this call. */
  get payloadTypes(): readonly string[] {
    return this.raw.payloadTypes;
  }

  /** One round trip over the direct path, in ms. */
  ping(timeoutMs?: number): Promise<number> {
    return this.raw.session.ping(timeoutMs);
  }

  /** Sends one datagram (≤ 1100 bytes; unreliable, unordered). */
  send(data: Buffer): void {
    this.raw.session.send(data);
  }

  onDatagram(handler: (data: Buffer) => void): Disposable {
    return this.raw.session.onData(handler);
  }

  /**
   * A reliable, ordered, encrypted byte stream named `name` on this call (congestion-controlled,
   * on the same UDP path). Both sides open the same name; open each name once per call.
   */
  stream(name: string): ReliableStream {
    return this.raw.session.openReliableStream(STREAM_CHANNELS.first + (crc32(`stream:${name}`) % STREAM_CHANNELS.count));
  }

  hangup(reason = 'hangup'): Promise<void> {
    return this.client.hangup(this.raw.callId, reason);
  }
}
