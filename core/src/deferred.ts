/** A promise with its settle functions outside, and whether it has settled (for one-shot call states). */
export class Deferred<T = void> {
  settled = false;
  resolve!: (v: T) => void;
  reject!: (e: unknown) => void;
  readonly promise = new Promise<T>((res, rej) => {
    this.resolve = (v) => {
      this.settled = true;
      res(v);
    };
    this.reject = (e) => {
      this.settled = true;
      rej(e);
    };
  });
}
