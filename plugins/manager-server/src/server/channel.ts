import type { ControlEnvelope } from '@pinhole/core';

/** What a channel reports to the connection that owns it. */
export interface ChannelHandler {
  /** One complete control message (not yet decoded). */
  onMessage(bytes: Buffer): void;
  /** The transport refused the input itself (oversize frame, text WebSocket message …); the channel is failing. */
  onRefused(code: string, message: string): void;
  onClose(): void;
}

/**
 * One peer's control connection, whatever carries it: length-prefixed frames on raw TCP or
 * binary WebSocket messages (spec ¶47: restrictive firewalls pass only HTTP).
 */
export interface Channel {
  readonly transport: 'tcp' | 'ws';
  readonly remoteAddress: string;
  readonly closed: boolean;
  /** Must be called synchronously after the channel is made, before any I/O callback. */
  attach(handler: ChannelHandler): void;
  send(env: ControlEnvelope): void;
  /** Sends a fatal Error message where the transport still allows it, then closes. */
  fail(code: string, message: string): void;
  close(): void;
}

/** Sends beyond this many unread bytes mean the peer stopped reading: it is cut off, not buffered for. */
export const MAX_UNREAD_BYTES = 1 << 20;
