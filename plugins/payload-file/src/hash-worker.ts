/**
 * Worker thread: SHA-256 of files as they grow on disk, so hashing never stalls the event loop
 * that carries the udx stream. Messages: open(id, file), advance(id, to), finish(id, size),
 * cancel(id); answers done(id, digest) or failed(id, message). Several jobs share the worker.
 */
import { createHash, type Hash } from 'crypto';
import * as fs from 'fs';
import { parentPort } from 'worker_threads';

export type HashRequest =
  | { op: 'open'; id: number; file: string }
  | { op: 'advance'; id: number; to: number }
  | { op: 'finish'; id: number; size: number }
  | { op: 'cancel'; id: number };
export type HashReply = { op: 'done'; id: number; digest: Uint8Array } | { op: 'failed'; id: number; message: string };

interface Job {
  fd: number;
  hash: Hash;
  pos: number;
  target: number;
  end?: number;
}

const READ_BYTES = 1 << 20;
const buf = Buffer.allocUnsafe(READ_BYTES);
const jobs = new Map<number, Job>();
const reply = (m: HashReply) => parentPort!.postMessage(m);

function close(id: number): void {
  const job = jobs.get(id);
  jobs.delete(id);
  if (job) fs.closeSync(job.fd);
}

/** Hashes what is on disk up to the job's target; answers once `end` is reached. */
function pump(id: number): void {
  const job = jobs.get(id);
  if (!job) return;
  while (job.pos < job.target) {
    const n = fs.readSync(job.fd, buf, 0, Math.min(READ_BYTES, job.target - job.pos), job.pos);
    if (n === 0) throw new Error(`the file ends at ${job.pos} bytes, before ${job.target}`);
    job.hash.update(buf.subarray(0, n));
    job.pos += n;
  }
  if (job.end !== undefined && job.pos >= job.end) {
    const digest = job.hash.digest();
    close(id);
    reply({ op: 'done', id, digest });
  }
}

parentPort?.on('message', (m: HashRequest) => {
  try {
    if (m.op === 'open') jobs.set(m.id, { fd: fs.openSync(m.file, 'r'), hash: createHash('sha256'), pos: 0, target: 0 });
    else if (m.op === 'cancel') return close(m.id);
    else {
      const job = jobs.get(m.id);
      if (!job) return;
      if (m.op === 'finish') job.end = m.size;
      job.target = Math.max(job.target, m.op === 'advance' ? m.to : m.size);
    }
    pump(m.id);
  } catch (err) {
    close(m.id);
    reply({ op: 'failed', id: m.id, message: (err as Error).message });
  }
});
