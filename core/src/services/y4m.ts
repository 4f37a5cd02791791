import { VideoError } from './video';
import { i420Size, type VideoFrame } from './video-codec';

/**
 * YUV4MPEG2 (Y4M), the raw video format ffmpeg, x264 and libvpx's tools read and write: one
 * text header line (`YUV4MPEG2 W640 H480 F15:1 Ip A1:1 C420jpeg`), then per frame a
 * `FRAME` line (parameters allowed, ignored) and the I420 planes. Only 4:2:0 8-bit is taken
 * (C420, C420jpeg, C420paldv, C420mpeg2 or none); anything else is E_Y4M_COLORSPACE.
 * Shared by payload-video's file reader/writer and codecs that talk Y4M to ffmpeg.
 */
export interface Y4mHeader {
  width: number;
  height: number;
  /** Frame rate as a fraction. */
  rateNum: number;
  rateDen: number;
  /** The C parameter as written (default `420jpeg`). */
  colorspace: string;
}

export const Y4M_MAGIC = 'YUV4MPEG2';
/** A header or FRAME line longer than this is not Y4M. */
export const Y4M_MAX_LINE = 1024;
const I420_SPACES = new Set(['420', '420jpeg', '420paldv', '420mpeg2']);

export function y4mFrameRate(h: Y4mHeader): number {
  return h.rateNum / h.rateDen;
}

/** Parses the header line (without its newline). */
export function parseY4mHeader(line: string, where = 'Y4M'): Y4mHeader {
  const parts = line.split(' ');
  if (parts[0] !== Y4M_MAGIC) throw new VideoError('E_Y4M_FORMAT', `${where} is not a YUV4MPEG2 file (it does not start with "${Y4M_MAGIC} "); convert it with: ffmpeg -i IN -pix_fmt yuv420p OUT.y4m`);
  const h: Partial<Y4mHeader> & { colorspace: string } = { colorspace: '420jpeg' };
  for (const p of parts.slice(1)) {
    if (!p) continue;
    const v = p.slice(1);
    switch (p[0]) {
      case 'W':
        h.width = Number(v);
        break;
      case 'H':
        h.height = Number(v);
        break;
      case 'F': {
        const [n, d] = v.split(':').map(Number);
        h.rateNum = n;
        h.rateDen = d;
        break;
      }
      case 'C':
        h.colorspace = v;
        break;
      case 'I':
        if (v !== 'p' && v !== '?') throw new VideoError('E_Y4M_FORMAT', `${where}: interlaced Y4M (I${v}) is not supported; deinterlace it first (ffmpeg -vf yadif)`);
        break;
      default:
        break; // A (aspect), X (comments) and others do not change the planes
    }
  }
  if (!I420_SPACES.has(h.colorspace))
    throw new VideoError('E_Y4M_COLORSPACE', `${where}: colour space C${h.colorspace} is not supported; only 8-bit 4:2:0 (C420jpeg, C420) is — convert with: ffmpeg -i IN -pix_fmt yuv420p OUT.y4m`, { colorspace: h.colorspace });
  const { width, height, rateNum, rateDen } = h;
  if (!Number.isInteger(width) || !Number.isInteger(height) || (width as number) < 2 || (height as number) < 2 || (width as number) > 16384 || (height as number) > 16384)
    throw new VideoError('E_Y4M_FORMAT', `${where}: header needs a frame size W and H (2–16384), got "${line.slice(0, 80)}"`);
  if ((width as number) % 2 || (height as number) % 2) throw new VideoError('E_Y4M_FORMAT', `${where}: ${width}×${height} is odd; 4:2:0 video needs even sizes (ffmpeg -vf crop=trunc(iw/2)*2:trunc(ih/2)*2)`);
  if (!(Number.isInteger(rateNum) && Number.isInteger(rateDen) && (rateNum as number) > 0 && (rateDen as number) > 0 && (rateNum as number) / (rateDen as number) <= 240))
    throw new VideoError('E_Y4M_FORMAT', `${where}: header needs a frame rate F<num>:<den> up to 240 fps, got "${line.slice(0, 80)}"`);
  return { width: width as number, height: height as number, rateNum: rateNum as number, rateDen: rateDen as number, colorspace: h.colorspace };
}

export function formatY4mHeader(h: Y4mHeader): string {
  return `${Y4M_MAGIC} W${h.width} H${h.height} F${h.rateNum}:${h.rateDen} Ip A1:1 C${h.colorspace}\n`;
}

/**
 * Push parser for a Y4M byte stream (a pipe from ffmpeg): feed chunks, take whole frames.
 * Memory is bounded by one frame plus a line.
 */
export class Y4mStreamParser {
  header?: Y4mHeader;
  private chunks: Buffer[] = [];
  private held = 0;
  private frameBytes = 0;

  constructor(private readonly where = 'Y4M stream') {}

  push(chunk: Buffer): VideoFrame[] {
    this.chunks.push(chunk);
    this.held += chunk.length;
    const out: VideoFrame[] = [];
    for (;;) {
      // Chunks are joined only once a whole line or frame is there (frames come in 64 KiB pieces).
      const head = this.chunks[0];
      let nl = head ? head.indexOf(0x0a) : -1;
      if (nl < 0 && this.chunks.length > 1) {
        this.join();
        nl = this.chunks[0].indexOf(0x0a);
      }
      if (nl < 0) {
        if (this.held > Y4M_MAX_LINE) throw new VideoError('E_Y4M_FORMAT', `${this.where}: no line end in ${this.held} bytes where a header or FRAME line should be`);
        return out;
      }
      const buf = this.chunks[0];
      if (!this.header) {
        this.header = parseY4mHeader(buf.subarray(0, nl).toString('latin1'), this.where);
        this.frameBytes = i420Size(this.header.width, this.header.height);
        this.take(nl + 1);
        continue;
      }
      if (buf.subarray(0, 5).toString('latin1') !== 'FRAME') throw new VideoError('E_Y4M_FRAME', `${this.where}: expected a FRAME line, found "${buf.subarray(0, 16).toString('latin1')}"`);
      if (this.held < nl + 1 + this.frameBytes) return out;
      const whole = this.chunks.length > 1;
      this.join();
      const { width, height } = this.header;
      // A joined buffer is ours alone: hand out a view; a chunk from the caller is copied.
      const view = this.chunks[0].subarray(nl + 1, nl + 1 + this.frameBytes);
      out.push({ width, height, data: whole ? view : Buffer.from(view) });
      this.take(nl + 1 + this.frameBytes);
    }
  }

  /** Bytes held that are not yet a whole frame. */
  get pending(): number {
    return this.held;
  }

  private join(): void {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.held)];
  }

  private take(n: number): void {
    this.join();
    const rest = this.chunks[0].subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.held -= n;
  }
}
