import { CodecError, type Codec } from '@pinhole/core';
import type { CodecOfferMsg } from './wire';

/** First dynamic RTP payload type (RFC 3551 §3). */
const DYNAMIC_PT = 96;

/**
 * Orders the installed voice codecs for our offer: `first` (if given), then `preference`, then —
 * unless `exact` — every other installed codec. A named codec that is not installed is E_CODEC_UNKNOWN.
 */
export function orderCodecs(installed: Codec[], preference: string[], first?: string, exact = false): Codec[] {
  const byName = new Map(installed.map((c) => [c.name, c]));
  if (first !== undefined && !byName.has(first))
    throw new CodecError('E_CODEC_UNKNOWN', `codec "${first}" is not installed (installed: ${[...byName.keys()].join(', ') || 'none'}); add its codec plugin or pick another`, { codec: first });
  const names = [...(first ? [first] : []), ...preference, ...(exact ? [] : installed.map((c) => c.name))];
  const seen = new Set<string>();
  const out: Codec[] = [];
  for (const n of names) {
    const c = byName.get(n);
    if (c && c.payloadType === 'voice' && !seen.has(n)) {
      seen.add(n);
      out.push(c);
    }
  }
  return out;
}

/** Our offer: static RTP payload types where the codec has one, dynamic ones (96…) otherwise. */
export function buildOffer(codecs: Codec[]): CodecOfferMsg[] {
  let dynamic = DYNAMIC_PT;
  return codecs.map((c) => ({ name: c.name, payloadType: c.rtpPayloadType ?? dynamic++ }));
}

/** The caller's choice: the first codec in its own order that the callee offers too. */
export function chooseCodec(ours: CodecOfferMsg[], theirs: CodecOfferMsg[]): CodecOfferMsg | undefined {
  const offered = new Set(theirs.map((c) => c.name));
  return ours.find((c) => offered.has(c.name));
}
