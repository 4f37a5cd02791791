import * as fs from 'fs';
import { claim, type Claimant } from './claims';
import type { PayloadError } from '@pinhole/core';
import { diskError, fileError } from './errors';
import type { HashPool } from './hash-pool';
import { checkName } from './names';
import { PartFile, partPaths, present, removeQuietly, type PartPaths } from './part-file';

export interface InboxPolicy {
  dir: string;
  overwrite: boolean;
  maxBytes?: number;
}

export interface OfferedFile {
  name: string;
  size: number;
  sha256: Buffer;
}

/** What the sidecar beside a partial file records: resume only continues this very file. */
interface Sidecar {
  name: string;
  size: number;
  sha256: string;
}
const MAX_SIDECAR_BYTES = 4096;

export interface IncomingHooks {
  onWritten(bytesOnDisk: number): void;
  onFailed(err: PayloadError): void;
}

/**
 * Decides whether an offer is taken and from which offset, then opens its partial file.
 * Throws the refusal (E_FILE_PATH, E_FILE_EXISTS, E_FILE_SIZE, E_FILE_DISK, E_FILE_INBOX)
 * without touching anything under the final name.
 */
export async function openIncoming(policy: InboxPolicy, offer: OfferedFile, who: Claimant, hooks: IncomingHooks, hashes: HashPool): Promise<PartFile> {
  checkName(offer.name);
  if (policy.maxBytes !== undefined && offer.size > policy.maxBytes)
    throw fileError('E_FILE_SIZE', `${offer.name} is ${offer.size} bytes, over this inbox's limit of ${policy.maxBytes}; send a smaller file or raise the limit`, { name: offer.name, size: offer.size });
  const paths = partPaths(policy.dir, offer.name);
  await refuseExisting(paths.final, policy.overwrite, offer.name);
  const release = await claim(paths.part, who);
  try {
    const offset = await resumeOffset(paths, offer);
    if (offset === 0) await startOver(paths, offer);
    await checkSpace(policy.dir, offer.size - offset, offer.name);
    const writer = await openWriter(paths.part, offset, offer.name);
    // The resumed prefix is hashed on the worker while new bytes arrive (an unreadable one fails verification and starts over).
    return new PartFile(paths, offer.name, offset, hashes.digest(paths.part), writer, hooks.onWritten, hooks.onFailed, release);
  } catch (err) {
    release();
    throw err;
  }
}

async function refuseExisting(final: string, overwrite: boolean, name: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = await fs.promises.lstat(final);
  } catch {
    return;
  }
  if (overwrite && st.isFile()) return;
  throw fileError(
    'E_FILE_EXISTS',
    overwrite
      ? `${name} exists in the inbox and is not a regular file; it is never replaced — remove it or send under another name`
      : `${name} already exists in the inbox; it is not overwritten — send it under another name, or the receiver removes it or accepts with --overwrite`,
    { name },
  );
}

/** Bytes of this very file (same name, size and SHA-256 in the sidecar) already in the part; 0 to start over. */
async function resumeOffset(p: PartPaths, offer: OfferedFile): Promise<number> {
  const side = await readSidecar(p.meta);
  if (!side || side.name !== offer.name || side.size !== offer.size || side.sha256 !== offer.sha256.toString('hex')) return 0;
  let st: fs.Stats;
  try {
    st = await fs.promises.lstat(p.part);
  } catch {
    return 0;
  }
  if (!st.isFile() || st.size > offer.size) return 0;
  return st.size;
}

async function readSidecar(meta: string): Promise<Sidecar | undefined> {
  try {
    const st = await fs.promises.lstat(meta);
    if (!st.isFile() || st.size > MAX_SIDECAR_BYTES) return undefined;
    const v = JSON.parse(await fs.promises.readFile(meta, 'utf8')) as Partial<Sidecar>;
    if (typeof v.name !== 'string' || typeof v.size !== 'number' || typeof v.sha256 !== 'string') return undefined;
    return { name: v.name, size: v.size, sha256: v.sha256 };
  } catch {
    return undefined; // missing or unreadable: not resumable
  }
}

async function startOver(p: PartPaths, offer: OfferedFile): Promise<void> {
  if ((await present(p.part)) && !(await fs.promises.lstat(p.part)).isFile())
    throw fileError('E_FILE_PATH', `${p.part} is in the way and is not a regular file; remove it and send again`, { name: offer.name });
  await removeQuietly(p.part, p.meta);
  const side: Sidecar = { name: offer.name, size: offer.size, sha256: offer.sha256.toString('hex') };
  try {
    await fs.promises.writeFile(p.meta, JSON.stringify(side) + '\n', { flag: 'wx' });
  } catch (err) {
    throw diskError(err as NodeJS.ErrnoException, `cannot record ${offer.name} in the inbox`, { name: offer.name });
  }
}

async function checkSpace(dir: string, need: number, name: string): Promise<void> {
  let free: number;
  try {
    const s = await fs.promises.statfs(dir);
    free = s.bavail * s.bsize;
  } catch {
    return; // statfs unsupported: the write path still reports a full disk
  }
  if (need > free)
    throw fileError('E_FILE_DISK', `${name} needs ${need} more bytes but the inbox has ${free} free; free some space and send again`, { name, need, free });
}

/** Opens the part for writing at `offset` (r+ keeps what is there); waits until it is open so failures refuse the offer. */
function openWriter(part: string, offset: number, name: string): Promise<fs.WriteStream> {
  const ws = fs.createWriteStream(part, { flags: offset > 0 ? 'r+' : 'w', start: offset, highWaterMark: 1 << 20 });
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(diskError(err, `cannot open the partial file for ${name}`, { name }));
    ws.once('error', onError);
    ws.once('ready', () => {
      ws.removeListener('error', onError);
      resolve(ws);
    });
  });
}
