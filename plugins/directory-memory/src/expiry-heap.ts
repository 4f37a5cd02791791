/**
 * A binary min-heap of (expiresAt, peerId) pairs, so a sweep costs O(expired · log n) instead
 * of a scan of every peer. Entries are never updated in place: a renewal pushes a new entry and
 * the old one goes stale; the owner discards stale entries when they surface (lazy deletion).
 * Parallel arrays keep each entry to two slots instead of one object.
 */
export class ExpiryHeap {
  private at: number[] = [];
  private ids: string[] = [];

  get size(): number {
    return this.at.length;
  }

  push(expiresAt: number, peerId: string): void {
    this.at.push(expiresAt);
    this.ids.push(peerId);
    this.up(this.at.length - 1);
  }

  /** The earliest expiresAt, or undefined when empty. */
  peekTime(): number | undefined {
    return this.at[0];
  }

  /** Removes and returns the earliest entry's peerId. */
  pop(): string | undefined {
    const n = this.at.length;
    if (n === 0) return undefined;
    const id = this.ids[0];
    const lastAt = this.at.pop()!;
    const lastId = this.ids.pop()!;
    if (n > 1) {
      this.at[0] = lastAt;
      this.ids[0] = lastId;
      this.down(0);
    }
    return id;
  }

  /** Replaces the contents in O(n) (used to drop stale entries when they pile up). */
  rebuild(entries: Iterable<readonly [number, string]>): void {
    this.at = [];
    this.ids = [];
    for (const [t, id] of entries) {
      this.at.push(t);
      this.ids.push(id);
    }
    for (let i = (this.at.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.at[parent] <= this.at[i]) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.at.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < n && this.at[l] < this.at[min]) min = l;
      if (r < n && this.at[r] < this.at[min]) min = r;
      if (min === i) return;
      this.swap(i, min);
      i = min;
    }
  }

  private swap(a: number, b: number): void {
    const t = this.at[a];
    this.at[a] = this.at[b];
    this.at[b] = t;
    const id = this.ids[a];
    this.ids[a] = this.ids[b];
    this.ids[b] = id;
  }
}
