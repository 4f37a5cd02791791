import type { FragmentMsg } from './wire';

/** The last `capacity` fragments sent, by sequence number, for retransmission after a NACK. */
export class SendHistory {
  private readonly map = new Map<number, FragmentMsg>();
  constructor(private readonly capacity: number) {}

  put(f: FragmentMsg): void {
    this.map.set(f.seq, f);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as number);
  }

  get(seq: number): FragmentMsg | undefined {
    return this.map.get(seq);
  }
}
