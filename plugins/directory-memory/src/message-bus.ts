import { toDisposable, type Disposable } from '@pinhole/core';

export type MessageHandler = (message: Uint8Array) => void;
export type HandlerErrorSink = (err: unknown, node: string) => void;

/**
 * In-process stand-in for a pub/sub bus (Redis channels): one channel per manager node.
 * Delivery is asynchronous and works on a copy, as over a real bus, so a handler never runs
 * inside publish() and the publisher may reuse its buffer.
 */
export class MessageBus {
  private readonly channels = new Map<string, Set<MessageHandler>>();

  constructor(private readonly onHandlerError: HandlerErrorSink) {}

  publish(node: string, message: Uint8Array): void {
    const handlers = this.channels.get(node);
    if (!handlers || handlers.size === 0) return; // like PUBLISH with no subscriber: dropped
    const copy = new Uint8Array(message);
    const targets = [...handlers];
    // setImmediate keeps publish order per channel and lets the publisher's turn finish first.
    setImmediate(() => {
      for (const h of targets) {
        if (!handlers.has(h)) continue; // unsubscribed since the publish
        try {
          h(copy);
        } catch (err) {
          this.onHandlerError(err, node);
        }
      }
    });
  }

  subscribe(node: string, handler: MessageHandler): Disposable {
    let handlers = this.channels.get(node);
    if (!handlers) this.channels.set(node, (handlers = new Set()));
    // Wrap so the same function subscribed twice is two subscriptions, each disposable alone.
    const own: MessageHandler = (m) => handler(m);
    handlers.add(own);
    return toDisposable(() => {
      handlers.delete(own);
      if (handlers.size === 0 && this.channels.get(node) === handlers) this.channels.delete(node);
    });
  }
}
