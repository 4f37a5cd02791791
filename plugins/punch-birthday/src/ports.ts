import { randomInt } from 'crypto';

/**
 * Ports of [min, max] in random order, each at most once (a lazy Fisher–Yates shuffle over a
 * sparse map, so 64k ports cost nothing until drawn). Unpredictable (crypto), so an observer
 * cannot aim at the ports we will try. `skip` holds ports already tried some other way.
 */
export class RandomPorts {
  private readonly swapped = new Map<number, number>();
  private left: number;

  constructor(private readonly min: number, max: number, private readonly skip: ReadonlySet<number> = new Set()) {
    this.left = Math.max(0, max - min + 1);
  }

  next(): number | undefined {
    while (this.left > 0) {
      const i = randomInt(this.left);
      const port = this.min + (this.swapped.get(i) ?? i);
      const last = this.left - 1;
      this.swapped.set(i, this.swapped.get(last) ?? last);
      this.swapped.delete(last);
      this.left--;
      if (!this.skip.has(port)) return port;
    }
    return undefined;
  }
}
