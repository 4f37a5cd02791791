/** Messages between the host and a sandbox worker (structured-clone safe, nothing else). */
export type HostToWorker = { id: number; method: string; args: unknown[] };
export type WorkerToHost =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; code?: string; message: string } }
  | { ready: true; methods: string[] }
  | { ready: false; error: { name: string; code?: string; message: string } };
