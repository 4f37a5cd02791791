import * as fs from 'fs';
import * as path from 'path';
import type { FileItem } from '@pinhole/core';
import { fileError } from './errors';
import { checkName } from './names';

/** The file being offered: open, with its size taken once (a file growing meanwhile is sent as it was). */
export interface SourceFile {
  path: string;
  name: string;
  size: number;
  /** This copy of the file, for the receiver's resume check: size and modification time. */
  version: string;
  fh: fs.promises.FileHandle;
}

/** Checks and opens a file before it is offered; nothing is read or hashed up front. */
export async function prepareSource(item: FileItem): Promise<SourceFile> {
  let fh: fs.promises.FileHandle;
  let st: fs.BigIntStats;
  try {
    fh = await fs.promises.open(item.path, 'r');
  } catch (err) {
    throw fileError('E_FILE_SOURCE', `cannot read ${item.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; check the path`, { path: item.path }, err);
  }
  try {
    st = await fh.stat({ bigint: true });
    if (!st.isFile()) throw fileError('E_FILE_SOURCE', `${item.path} is not a regular file; only files can be sent`, { path: item.path });
    // NFC so that a name from a macOS (NFD) file system reads the same on every receiver.
    const name = (item.name ?? path.basename(item.path)).normalize('NFC');
    checkName(name);
    return { path: item.path, name, size: Number(st.size), version: `${st.size}:${st.mtimeNs}`, fh };
  } catch (err) {
    await fh.close();
    throw err;
  }
}
