import * as fs from 'fs';
import { VideoError } from './video';
import { parseY4mHeader, Y4M_MAX_LINE, type Y4mHeader } from './y4m';

/** Reads and checks the header line of a Y4M file before it is used (`flag` names where it came from, e.g. `--video`). */
export function readY4mHeader(file: string, flag = '--video'): Y4mHeader {
  let head: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      head = Buffer.alloc(Y4M_MAX_LINE);
      head = head.subarray(0, fs.readSync(fd, head, 0, head.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new VideoError('E_Y4M_IO', `${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give a readable .y4m file`);
  }
  return parseY4mHeader(head.toString('latin1').split('\n')[0], file);
}
