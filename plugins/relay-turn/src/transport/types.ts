import type { TurnTransportKind } from '@pinhole/core';

/** One connection to the TURN server; frames are whole STUN messages or ChannelData messages. */
export interface TurnTransport {
  readonly kind: TurnTransportKind;
  /** TCP/TLS: no retransmissions, and ChannelData is padded to 4 bytes (RFC 8656 §12.5). */
  readonly reliable: boolean;
  send(frame: Buffer): void;
  onFrame(handler: (frame: Buffer) => void): void;
  /** Called once, with the reason, when the connection ends (never for UDP unless closed). */
  onClose(handler: (reason: string) => void): void;
  close(): void;
}
