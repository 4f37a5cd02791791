import { disposeAll, PinholeError, toDisposable, type ClaimResult, type Directory, type DirectoryOptions, type Disposable, type PeerRecord } from '@pinhole/core';
import { MessageBus, type HandlerErrorSink, type MessageHandler } from './message-bus';
import { PeerTable, type RecordPatch } from './peer-table';

/** The state several handles share: what one Redis server is to several manager nodes. */
interface Shared {
  readonly table: PeerTable;
  readonly bus: MessageBus;
}

/**
 * A Directory held in this process. Each instance is one node's handle: `connect()` gives
 * another handle onto the same table and bus, so tests can play several manager nodes.
 * close() ends this handle (its subscriptions stop, its calls reject); the table stays for
 * the other handles.
 */
export class MemoryDirectory implements Directory {
  private readonly subscriptions = new Set<Disposable>();
  private closed = false;

  private constructor(private readonly shared: Shared) {}

  /** A fresh, empty directory; a subscriber's exception goes to `onHandlerError`, never to the publisher. */
  static create(onHandlerError: HandlerErrorSink, options: DirectoryOptions = {}): MemoryDirectory {
    return new MemoryDirectory({ table: new PeerTable(options.nameTtlMs), bus: new MessageBus(onHandlerError) });
  }

  /** Another node's handle onto the same table and bus. */
  connect(): MemoryDirectory {
    return new MemoryDirectory(this.open());
  }

  async claim(record: PeerRecord, now: number): Promise<ClaimResult> {
    return this.open().table.claim(record, now);
  }

  async get(peerId: string): Promise<PeerRecord | undefined> {
    return this.open().table.get(peerId);
  }

  async binding(peerId: string): Promise<string | undefined> {
    return this.open().table.binding(peerId, Date.now());
  }

  async touch(peerId: string, now: number, ttlMs: number): Promise<boolean> {
    return this.open().table.touch(peerId, now, ttlMs);
  }

  async update(peerId: string, patch: RecordPatch): Promise<boolean> {
    return this.open().table.update(peerId, patch);
  }

  async remove(peerId: string, ifPublicKey?: string): Promise<boolean> {
    return this.open().table.remove(peerId, ifPublicKey, Date.now());
  }

  async expire(now: number): Promise<string[]> {
    return this.open().table.expire(now);
  }

  async count(): Promise<number> {
    return this.open().table.size;
  }

  async publish(node: string, message: Uint8Array): Promise<void> {
    this.open().bus.publish(node, message);
  }

  async subscribe(node: string, handler: MessageHandler): Promise<Disposable> {
    const sub = this.open().bus.subscribe(node, handler);
    this.subscriptions.add(sub);
    return toDisposable(() => {
      this.subscriptions.delete(sub);
      return sub.dispose();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await disposeAll([...this.subscriptions]);
    this.subscriptions.clear();
  }

  /** The shared state, or E_DIRECTORY_CLOSED (as a rejection, since every caller is async). */
  private open(): Shared {
    if (this.closed)
      throw new PinholeError('E_DIRECTORY_CLOSED', 'this directory handle is closed; create a new one from the DirectoryBackend');
    return this.shared;
  }
}
