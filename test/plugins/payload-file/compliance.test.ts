import * as fs from 'fs';
import * as path from 'path';
import type { FileAttachOptions, FileItem, FileReceived } from '@pinhole/core';
import { fileHash } from '@pinhole/payload-file';
import payloadCompliance from '../../compliance/payload';
import { randomFile, sha256Of, tempDir } from '../../helpers/files';
import { mediaHost } from '../../helpers/media';

let dirs: string[] = [];
let n = 0;
const fresh = (prefix: string): string => {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
};

payloadCompliance<FileItem, FileReceived, FileAttachOptions>('file', {
  createHost: () => mediaHost(),
  receiverOptions: async () => ({ inbox: fresh('inbox') }),
  item: async (size) => ({ path: await randomFile(fresh('src'), `item-${++n}.bin`, size) }),
  intact: async (item, got) => got.name === path.basename(item.path) && (await sha256Of(got.path)) === (await sha256Of(item.path)) && got.hash === (await fileHash(item.path)),
  refusal: async (opts) => {
    const item = { path: await randomFile(fresh('src'), `taken-${++n}.bin`, 1000) };
    fs.writeFileSync(path.join(opts.inbox!, path.basename(item.path)), 'already here');
    return { item, code: 'E_FILE_EXISTS' };
  },
  arrived: async (item, opts) => {
    const target = path.join(opts.inbox!, path.basename(item.path));
    return fs.existsSync(target) && (await sha256Of(target)) === (await sha256Of(item.path));
  },
  cleanup: async () => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    dirs = [];
  },
});
