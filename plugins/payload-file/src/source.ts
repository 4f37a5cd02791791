import * as fs from 'fs';
import * as path from 'path';
import type { FileItem } from '@pinhole/core';
import { fileError } from './errors';
import type { HashPool } from './hash-pool';
import { checkName } from './names';
import type { SourceFile } from './outgoing';
import { secondsSince } from './timing';

/**
 * Checks and hashes a file before it is offered. The size is taken once and exactly that
 * many bytes are hashed and later sent, so a file growing meanwhile is sent as it was.
 */
export async function prepareSource(item: FileItem, hashes: HashPool): Promise<SourceFile> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(item.path);
  } catch (err) {
    throw fileError('E_FILE_SOURCE', `cannot read ${item.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; check the path`, { path: item.path }, err);
  }
  if (!st.isFile()) throw fileError('E_FILE_SOURCE', `${item.path} is not a regular file; only files can be sent`, { path: item.path });
  // NFC so that a name from a macOS (NFD) file system reads the same on every receiver.
  const name = (item.name ?? path.basename(item.path)).normalize('NFC');
  checkName(name);
  const t0 = process.hrtime.bigint();
  let sha256: Buffer;
  try {
    sha256 = await hashes.hashFile(item.path, st.size);
  } catch (err) {
    throw fileError('E_FILE_SOURCE', `reading ${item.path} failed (${(err as Error).message}); send it again once it is complete and readable`, { path: item.path }, err);
  }
  return { path: item.path, name, size: st.size, sha256, hashSeconds: secondsSince(t0) };
}
