/**
 * Where everything lives in Redis. Records spread over `shards` buckets; each bucket's keys share
 * one hash tag, `{prefix:b}`, so a record, its name binding and its bucket's expiry index sit in
 * one cluster slot and every script touches a single slot:
 *
 *   {p:b}:r:<id>   hash   the live record (fields below); Redis TTL = expiresAt - now + graceMs
 *   {p:b}:k:<id>   hash   the name → key binding {k, u = last used}; lapses nameTtlMs after use
 *                         (checked in the scripts; a Redis TTL past that cleans up)
 *   {p:b}:x        zset   id scored by expiresAt (exact expiry, renewals just move the score)
 *   {p}:layout     hash   shards, so nodes configured differently refuse to share one prefix
 *   {p:n:<node>}   channel  cross-node routing to one manager node (sharded pub/sub on a cluster)
 */
export class KeySpace {
  constructor(readonly prefix: string, readonly shards: number) {}

  /** FNV-1a over the UTF-16 code units: stable across processes and versions, cheap. */
  shard(peerId: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < peerId.length; i++) {
      h ^= peerId.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return (h >>> 0) % this.shards;
  }

  private tag(shard: number): string {
    return `{${this.prefix}:${shard}}`;
  }

  /** What record keys of a bucket start with (the expiry script appends the id). */
  recordPrefix(shard: number): string {
    return `${this.tag(shard)}:r:`;
  }

  record(peerId: string): string {
    return this.recordPrefix(this.shard(peerId)) + peerId;
  }

  bindingPrefix(shard: number): string {
    return `${this.tag(shard)}:k:`;
  }

  binding(peerId: string): string {
    return this.bindingPrefix(this.shard(peerId)) + peerId;
  }

  expiry(shard: number): string {
    return `${this.tag(shard)}:x`;
  }

  expiryOf(peerId: string): string {
    return this.expiry(this.shard(peerId));
  }

  get layout(): string {
    return `{${this.prefix}}:layout`;
  }

  channel(node: string): string {
    return `{${this.prefix}:n:${node}}`;
  }

  /** Every key this prefix owns matches this (for clean-up). */
  get pattern(): string {
    return `{${this.prefix}[:}]*`;
  }
}
