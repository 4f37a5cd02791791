import { DirectoryError, DisposableSet, type ClaimResult, type Directory, type DirectoryOptions, type Disposable, type PeerRecord } from '@pinhole/core';
import { MessageBus, type HandlerErrorSink, type MessageHandler } from './message-bus';
import { PeerTable, type RecordPatch } from './peer-table';
import { loadSnapshot, SnapshotWriter } from './snapshot';

/** The state several handles share: what one Redis server is to several manager nodes. */
interface Shared {
  readonly table: PeerTable;
  readonly bus: MessageBus;
  readonly snapshot?: SnapshotWriter;
}

/** Where the table and its name bindings are kept across restarts (directoryOptions.file). */
export interface SnapshotOptions {
  file: string;
  delayMs: number;
  onError(err: Error): void;
}

/**
 * A Directory held in this process. Each instance is one node's handle: `connect()` gives
 * another handle onto the same table and bus, so tests can play several manager nodes.
 * close() ends this handle (its subscriptions stop, its calls reject); the table stays for
 * the other handles.
 */
export class MemoryDirectory implements Directory {
  private readonly subscriptions = new DisposableSet();
  private closed = false;

  private constructor(private readonly shared: Shared) {}

  /**
   * A fresh directory, empty or as `snapshot.file` last saved it (records and name bindings); a
   * subscriber's exception goes to `onHandlerError`, never to the publisher.
   */
  static create(onHandlerError: HandlerErrorSink, options: DirectoryOptions = {}, snapshot?: SnapshotOptions): MemoryDirectory {
    const bus = new MessageBus(onHandlerError);
    if (!snapshot) return new MemoryDirectory({ table: new PeerTable(options.nameTtlMs), bus });
    const saved = loadSnapshot(snapshot.file);
    let writer: SnapshotWriter | undefined;
    const table = new PeerTable(options.nameTtlMs, () => writer!.changed());
    table.restore(saved.records, saved.bindings);
    writer = new SnapshotWriter(snapshot.file, snapshot.delayMs, () => table.all(), snapshot.onError);
    return new MemoryDirectory({ table, bus, snapshot: writer });
  }

  /** How many records and bound names it holds (after a snapshot load: what came back). */
  get size(): { records: number; names: number } {
    return { records: this.shared.table.size, names: this.shared.table.boundNames };
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
    return this.subscriptions.track(this.open().bus.subscribe(node, handler));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.subscriptions.disposeAll();
    await this.shared.snapshot?.flush();
  }

  /** The shared state, or E_DIRECTORY_CLOSED (as a rejection, since every caller is async). */
  private open(): Shared {
    if (this.closed) throw DirectoryError.CLOSED();
    return this.shared;
  }
}
