/**
 * The bytes of a batch's typed arrays (PCM frames, payloads …), copied in as each call is made
 * and sent as ONE transferred ArrayBuffer with the batch; the other side reads them as views of
 * it. One buffer per message instead of one per value: small ArrayBuffers each cost an
 * allocation with its own backing store and external-memory bookkeeping (GC pressure), which
 * is most of what a small call costs.
 */

/**
 * Where a value sits in the message: [slot, byte offset, byte length, type, key]. `slot` is the
 * caller's (which argument of which call …); `key`, for a typed array one level down in a plain
 * object (a video frame's `data`), names its property.
 */
export type Ref = [slot: number, offset: number, length: number, type: number, key?: string];

const TYPES = [Uint8Array, Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array] as const;
/** Type code of a Buffer: a Uint8Array view made a Buffer again on arrival. */
const BUFFER = TYPES.length;
const FIRST_SIZE = 16 * 1024;

type View = Exclude<ArrayBufferView, DataView>;

export function isTypedArray(v: unknown): v is View {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

export class Arena {
  private buf = new ArrayBuffer(FIRST_SIZE);
  private bytes = new Uint8Array(this.buf);
  private used = 0;
  readonly refs: Ref[] = [];

  /** Copies `v`'s bytes in (the caller may reuse its buffer at once) and notes it under `slot` (and `key`). */
  put(slot: number, v: View, key?: string): void {
    const type = Buffer.isBuffer(v) ? BUFFER : TYPES.findIndex((T) => v instanceof T);
    const offset = (this.used + 7) & ~7; // aligned for any element size
    const n = v.byteLength;
    if (offset + n > this.bytes.length) this.grow(offset + n);
    this.bytes.set(new Uint8Array(v.buffer, v.byteOffset, n), offset);
    this.used = offset + n;
    this.refs.push(key === undefined ? [slot, offset, n, type < 0 ? 0 : type] : [slot, offset, n, type < 0 ? 0 : type, key]);
  }

  /**
   * Puts `v` in under `slot` if it is a typed array, or its typed-array properties if it is a
   * plain object; returns what the message carries in its place (null, a shallow copy without
   * them, or `v` itself).
   */
  pack(slot: number, v: unknown): unknown {
    if (isTypedArray(v)) {
      this.put(slot, v);
      return null;
    }
    if (!v || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return v;
    let copy: Record<string, unknown> | undefined;
    for (const [k, x] of Object.entries(v))
      if (isTypedArray(x)) {
        this.put(slot, x, k);
        (copy ??= { ...(v as Record<string, unknown>) })[k] = null;
      }
    return copy ?? v;
  }

  /** The buffer to send (undefined when nothing was put), and a fresh arena for the next batch. */
  take(): { buffer?: ArrayBuffer; refs: Ref[] } {
    if (this.refs.length === 0) return { refs: [] };
    const out = { buffer: this.buf, refs: this.refs.splice(0) };
    this.buf = new ArrayBuffer(Math.max(FIRST_SIZE, this.used));
    this.bytes = new Uint8Array(this.buf);
    this.used = 0;
    return out;
  }

  private grow(need: number): void {
    const bigger = new Uint8Array(Math.max(need, this.bytes.length * 2));
    bigger.set(this.bytes.subarray(0, this.used));
    this.bytes = bigger;
    this.buf = bigger.buffer;
  }
}

/** Puts the value `ref` stands for back in place: `get(slot)`'s value, or its property `key`. */
export function unpack(buffer: ArrayBuffer, refs: Ref[], get: (slot: number) => unknown, set: (slot: number, v: unknown) => void): void {
  for (const r of refs) {
    const v = view(buffer, r);
    if (r[4] === undefined) set(r[0], v);
    else (get(r[0]) as Record<string, unknown>)[r[4]] = v;
  }
}

/** The value a ref stands for: a view of the received buffer, of the type that was sent. */
export function view(buffer: ArrayBuffer, [, offset, length, type]: Ref): View {
  if (type === BUFFER) return Buffer.from(buffer, offset, length);
  const T = TYPES[type];
  return new T(buffer, offset, length / T.BYTES_PER_ELEMENT) as View;
}
