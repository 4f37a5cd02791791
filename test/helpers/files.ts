import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A fresh temporary folder under the OS temp dir. */
export const tempDir = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), `pinhole-${prefix}-`));

/** Writes `size` random bytes to dir/name, 1 MiB at a time (large files never sit in memory). */
export async function randomFile(dir: string, name: string, size: number): Promise<string> {
  const file = path.join(dir, name);
  const fd = await fs.promises.open(file, 'w');
  try {
    for (let off = 0; off < size; off += 1 << 20) await fd.write(randomBytes(Math.min(1 << 20, size - off)));
  } finally {
    await fd.close();
  }
  return file;
}

export async function sha256Of(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Names in `dir`, hidden ones included, sorted. */
export const listDir = (dir: string): string[] => fs.readdirSync(dir).sort();
