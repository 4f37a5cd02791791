/**
 * Values across the boundary: a typed array (a Buffer too) is copied at once into its own
 * ArrayBuffer, which is then transferred, not cloned. The caller may reuse its buffer as soon as
 * the call returns, the message carries exactly the view's bytes (a small Buffer from Node's pool
 * would otherwise drag its whole 8 KiB slab along), and a Buffer arrives as a Buffer.
 */
export interface Packed {
  value: unknown;
  buffer: boolean;
}

type TypedArrayCtor = new (b: ArrayBuffer) => ArrayBufferView;

export function pack(v: unknown, transfer: ArrayBuffer[]): Packed {
  if (!ArrayBuffer.isView(v) || v instanceof DataView) return { value: v, buffer: false };
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
  transfer.push(bytes.buffer);
  if (Buffer.isBuffer(v)) return { value: bytes, buffer: true };
  return { value: new (v.constructor as TypedArrayCtor)(bytes.buffer), buffer: false };
}

export function unpack(v: unknown, buffer: boolean | undefined): unknown {
  return buffer && v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
}

/** Packs a call's arguments; `buffers` lists the ones that were Buffers. */
export function packArgs(args: unknown[], transfer: ArrayBuffer[]): { args: unknown[]; buffers?: number[] } {
  let buffers: number[] | undefined;
  const out = args.map((a, i) => {
    const p = pack(a, transfer);
    if (p.buffer) (buffers ??= []).push(i);
    return p.value;
  });
  return buffers ? { args: out, buffers } : { args: out };
}

export function unpackArgs(args: unknown[], buffers: number[] | undefined): unknown[] {
  if (buffers) for (const i of buffers) args[i] = unpack(args[i], true);
  return args;
}
