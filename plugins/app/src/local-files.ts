import * as fs from 'fs';
import * as path from 'path';
import { PayloadError, readY4mHeader, usageError, VoiceService, type ServiceLoader } from '@pinhole/core';

export interface CallFiles {
  send: string[];
  voice?: string;
  record?: string;
  codec?: string;
  video?: string;
  videoRecord?: string;
  videoCodec?: string;
}

/**
 * What `pinhole call` checks before it registers: every --send FILE is a readable file, the
 * --voice WAV is one the voice plugin can say, the --video Y4M has a header it can send, each
 * --record is a new file in an existing folder and not an input, and --codec names an installed
 * codec used with --voice or --record (--video-codec likewise with --video).
 */
export async function checkCallFiles(loader: ServiceLoader, f: CallFiles): Promise<void> {
  if (f.codec && !f.voice && !f.record) throw usageError('call', '--codec picks the codec of a voice call; give --voice IN.wav (or --record OUT.wav) too');
  if (f.videoCodec && !f.video && !f.videoRecord) throw usageError('call', '--video-codec picks the codec of a video call; give --video IN.y4m (or --record OUT.y4m) too');
  if (f.voice && f.record && samePath(f.voice, f.record))
    throw usageError('call', `--record ${f.record} is the --voice input: recording would overwrite what is being said; record to another file`);
  if (f.video && f.videoRecord && samePath(f.video, f.videoRecord))
    throw usageError('call', `--record ${f.videoRecord} is the --video input: recording would overwrite what is being sent; record to another file`);
  // A bad Y4M is refused before anyone is called.
  if (f.video) readY4mHeader(f.video, '--video');
  for (const file of f.send) {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (!st) throw new PayloadError('E_FILE_NOT_FOUND', `--send ${file}: no such file; check the path (nothing was sent, no call was made)`, { file });
    if (!st.isFile()) throw new PayloadError('E_FILE_NOT_FOUND', `--send ${file} is not a regular file (a folder?); send files one by one`, { file });
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch {
      throw new PayloadError('E_FILE_UNREADABLE', `--send ${file} is not readable by this user; check its permissions`, { file });
    }
  }
  for (const record of [f.record, f.videoRecord]) {
    if (!record) continue;
    const dir = path.dirname(path.resolve(record));
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new PayloadError('E_RECORD_PATH', `--record ${record}: folder ${dir} does not exist; create it first`, { file: record });
  }
  if (!f.voice && !f.codec) return;
  const voice = await loader.load<VoiceService>(VoiceService, 'onPayload:voice', 'voice needs the payload-voice plugin (and a codec plugin)');
  if (f.voice) await voice.check(f.voice);
  if (f.codec) {
    const installed = await voice.codecs();
    if (!installed.includes(f.codec)) throw usageError('call', `--codec ${f.codec} is not installed here (installed: ${installed.join(', ') || 'none'})`);
  }
}

/** The same file, whether or not `b` exists yet (symlinks and relative paths resolved). */
function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.join(fs.realpathSync(path.dirname(path.resolve(p))), path.basename(p));
    }
  };
  try {
    return real(a) === real(b);
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}
