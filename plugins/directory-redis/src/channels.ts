import { toDisposable, type Disposable } from '@pinhole/core';
import type { Cluster, Redis } from 'ioredis';
import { events } from './link';

export type MessageHandler = (message: Uint8Array) => void;

/**
 * Cross-node routing over Redis pub/sub: one channel per manager node, one SUBSCRIBE per channel
 * however many handlers this process has on it. On a cluster the channels are sharded
 * (SSUBSCRIBE/SPUBLISH, Redis 7): a message goes to the one shard owning the channel's slot
 * instead of being broadcast over the whole cluster bus.
 */
export class NodeChannels {
  private readonly channels = new Map<string, Set<MessageHandler>>();

  constructor(
    private readonly sub: Redis | Cluster,
    private readonly cmd: Redis | Cluster,
    private readonly sharded: boolean,
    private readonly onHandlerError: (err: unknown, channel: string) => void,
  ) {
    events(sub).on(sharded ? 'smessageBuffer' : 'messageBuffer', (channel: Buffer, message: Buffer) => this.dispatch(channel.toString(), message));
  }

  async publish(channel: string, message: Uint8Array): Promise<void> {
    // A copy: the caller may reuse its buffer once publish() resolves (ioredis writes lazily).
    const bytes = Buffer.from(message);
    await (this.sharded ? this.cmd.spublish(channel, bytes) : this.cmd.publish(channel, bytes));
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Disposable> {
    let handlers = this.channels.get(channel);
    if (!handlers) {
      this.channels.set(channel, (handlers = new Set()));
      try {
        await (this.sharded ? this.sub.ssubscribe(channel) : this.sub.subscribe(channel));
      } catch (err) {
        if (this.channels.get(channel) === handlers && handlers.size === 0) this.channels.delete(channel);
        throw err;
      }
    }
    // Wrapped, so one function subscribed twice is two subscriptions, each disposable alone.
    const own: MessageHandler = (m) => handler(m);
    handlers.add(own);
    const set = handlers;
    return toDisposable(async () => {
      if (!set.delete(own) || set.size > 0 || this.channels.get(channel) !== set) return;
      this.channels.delete(channel);
      await (this.sharded ? this.sub.sunsubscribe(channel) : this.sub.unsubscribe(channel));
    });
  }

  get count(): number {
    return this.channels.size;
  }

  private dispatch(channel: string, message: Buffer): void {
    const handlers = this.channels.get(channel);
    if (!handlers) return;
    for (const h of [...handlers]) {
      try {
        h(message);
      } catch (err) {
        this.onHandlerError(err, channel);
      }
    }
  }
}
