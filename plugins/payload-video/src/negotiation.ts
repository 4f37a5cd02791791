import { CodecError, type VideoCodec } from '@pinhole/core';

/**
 * Orders the video codecs that can run here for our offer: `first` (if given), then
 * `preference`, then — unless `exact` — every other one. A named codec that is not installed
 * is E_CODEC_UNKNOWN; one installed but unable to run (ffmpeg missing) is E_CODEC_UNAVAILABLE.
 */
export function orderVideoCodecs(usable: VideoCodec[], unusable: Map<string, string>, preference: string[], first?: string, exact = false): VideoCodec[] {
  const byName = new Map(usable.map((c) => [c.name, c]));
  if (first !== undefined && !byName.has(first)) {
    const why = unusable.get(first);
    if (why) throw new CodecError('E_CODEC_UNAVAILABLE', `video codec "${first}" cannot run here: ${why}`, { codec: first });
    throw new CodecError('E_CODEC_UNKNOWN', `video codec "${first}" is not installed (installed: ${[...byName.keys()].join(', ') || 'none'}); add its codec plugin or pick another`, { codec: first });
  }
  const names = [...(first ? [first] : []), ...preference, ...(exact ? [] : usable.map((c) => c.name))];
  const out: VideoCodec[] = [];
  for (const n of names) {
    const c = byName.get(n);
    if (c && !out.includes(c)) out.push(c);
  }
  return out;
}

/** The caller's choice: the first codec in its own order that the callee offers too. */
export function chooseVideoCodec(ours: string[], theirs: string[]): string | undefined {
  return ours.find((c) => theirs.includes(c));
}
