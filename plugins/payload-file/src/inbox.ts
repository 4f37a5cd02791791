import * as fs from 'fs';
import { claim, type Claimant } from './claims';
import { diskError, fileError } from './errors';
import { checkName } from './names';
import { PartFile, partPaths, present, removeQuietly, type PartPaths } from './part-file';
import { Bitmap, Pieces } from './pieces';
import { Sidecar, type PartIdentity } from './sidecar';

export interface InboxPolicy {
  dir: string;
  overwrite: boolean;
  maxBytes?: number;
}

/** What an offer announces (the sidecar's identity). */
export type OfferedFile = PartIdentity;

/**
 * Decides whether an offer is taken and which pieces are already held, then opens its partial
 * file. Throws the refusal (E_FILE_PATH, E_FILE_EXISTS, E_FILE_SIZE, E_FILE_DISK, E_FILE_INBOX)
 * without touching anything under the final name.
 */
export async function openIncoming(policy: InboxPolicy, offer: OfferedFile, who: Claimant): Promise<PartFile> {
  checkName(offer.name);
  if (policy.maxBytes !== undefined && offer.size > policy.maxBytes)
    throw fileError('E_FILE_SIZE', `${offer.name} is ${offer.size} bytes, over this inbox's limit of ${policy.maxBytes}; send a smaller file or raise the limit`, { name: offer.name, size: offer.size });
  const paths = partPaths(policy.dir, offer.name);
  await refuseExisting(paths.final, policy.overwrite, offer.name);
  const release = await claim(paths.part, who);
  try {
    const pieces = new Pieces(offer.size, offer.pieceBytes);
    const resumed = await resume(paths, offer);
    const { sidecar, have, hashes } = resumed ?? { ...(await startOver(paths, offer)), have: new Bitmap(pieces.count), hashes: [] };
    try {
      await checkSpace(policy.dir, offer.size - pieces.bytesIn(have), offer.name);
      const fh = await openPart(paths.part, resumed !== undefined, offer.name);
      return new PartFile(paths, offer.name, pieces, have, hashes, fh, sidecar, release);
    } catch (err) {
      await sidecar.close();
      throw err;
    }
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

/** The pieces of this very file (same identity in the sidecar) the part already holds; undefined to start over. */
async function resume(p: PartPaths, offer: OfferedFile): Promise<{ sidecar: Sidecar; have: Bitmap; hashes: Buffer[] } | undefined> {
  let st: fs.Stats;
  try {
    st = await fs.promises.lstat(p.part);
  } catch {
    return undefined;
  }
  if (!st.isFile() || st.size > offer.size) return undefined;
  return Sidecar.load(p.meta, offer, st.size);
}

async function startOver(p: PartPaths, offer: OfferedFile): Promise<{ sidecar: Sidecar }> {
  if ((await present(p.part)) && !(await fs.promises.lstat(p.part)).isFile())
    throw fileError('E_FILE_PATH', `${p.part} is in the way and is not a regular file; remove it and send again`, { name: offer.name });
  await removeQuietly(p.part, p.meta);
  try {
    return { sidecar: await Sidecar.create(p.meta, offer) };
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

/** Opens the part for positional writes: kept as it is when resuming, created empty otherwise. */
async function openPart(part: string, resuming: boolean, name: string): Promise<fs.promises.FileHandle> {
  try {
    return await fs.promises.open(part, resuming ? 'r+' : 'w');
  } catch (err) {
    throw diskError(err as NodeJS.ErrnoException, `cannot open the partial file for ${name}`, { name });
  }
}
