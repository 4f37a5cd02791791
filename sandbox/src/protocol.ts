import type { Ref } from './arena';
import type { RemoteError } from './errors';

/**
 * Messages between the host and a sandbox worker (structured-clone safe, nothing else). Calls
 * and results travel in batches: everything one side has to say in one event-loop turn goes in
 * one message, its typed arrays' bytes in one transferred buffer (`bytes`, see arena.ts) — which
 * is what keeps many small calls (a codec at 50 frames/s per stream) cheap.
 */

/** One call. `id` 0 is one-way (no answer). A typed-array argument is null here and in `refs`. */
export interface CallMsg {
  id: number;
  method: string;
  args: unknown[];
}

export type ResultMsg = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: RemoteError };

/** `refs` slots: call index × 256 + argument index. */
export type HostToWorker = { calls: CallMsg[]; bytes?: ArrayBuffer; refs: Ref[] };

export type WorkerToHost =
  /** `refs` slots: result index. */
  | { results: ResultMsg[]; bytes?: ArrayBuffer; refs: Ref[] }
  | { ready: true; methods: string[] }
  | { ready: false; error: RemoteError }
  /** Something the module tells the host on its own (log lines …), see notifyHost(). */
  | { notify: string; data: unknown };

/** Arguments per call that can be typed arrays (slot = call × ARG_SLOTS + argument). */
export const ARG_SLOTS = 256;

/** What the worker script gets as workerData. */
export interface WorkerBoot {
  main: string;
  data: unknown;
  /** Memory outside the JS heap (ArrayBuffers, WebAssembly) the worker may hold, in bytes; 0 = unchecked. */
  externalLimitBytes: number;
}

/** Exit code of a worker that stopped itself for holding too much memory outside its heap. */
export const EXIT_EXTERNAL_MEMORY = 87;
