import { FRAGMENT_BYTES, type FragmentMsg } from './wire';

export interface AssembledFrame {
  frameId: number;
  sourceIndex: number;
  keyframe: boolean;
  captureMs: number;
  total: number;
  /** Arrival (receiver clock) of the first and of the completing fragment. */
  firstArrival: number;
  lastArrival: number;
  /** Some fragment came by retransmission. */
  repaired: boolean;
  data?: Buffer;
}

interface Partial {
  frame: AssembledFrame;
  chunks: Map<number, Buffer>;
  bytes: number;
}

export interface AssemblerLimits {
  /** Largest frame accepted (bytes). */
  maxFrameBytes: number;
  /** Bytes held in incomplete and undelivered frames, all together. */
  maxBufferBytes: number;
  /** Frames ahead of the next one to play that are accepted. */
  maxFramesAhead: number;
}

export type FragmentOutcome = 'ok' | 'duplicate' | 'late' | 'malformed';

/**
 * Reassembles frames from fragments with bounded memory. A fragment is refused (counted by the
 * caller) when its frame id is already played or out of the window, its total is over the cap
 * or differs from its frame's, its offset is not on the 1100-byte grid, it overlaps or runs
 * past the end, or the buffer is full. Frames are handed out in frame-id order by the playout.
 */
export class FrameAssembler {
  /** The next frame id the playout wants; lower ids are late. */
  next = 0;
  private readonly frames = new Map<number, Partial>();
  private held = 0;

  constructor(private readonly limits: AssemblerLimits) {}

  get bufferedBytes(): number {
    return this.held;
  }

  get size(): number {
    return this.frames.size;
  }

  add(f: FragmentMsg, arrival: number): FragmentOutcome {
    const { frameId, offset, total } = f;
    const len = f.payload.length;
    if (frameId < this.next) return 'late';
    if (frameId - this.next > this.limits.maxFramesAhead) return 'malformed';
    if (total === 0 || total > this.limits.maxFrameBytes || len === 0 || offset % FRAGMENT_BYTES !== 0 || offset + len > total) return 'malformed';
    if (len !== FRAGMENT_BYTES && offset + len !== total) return 'malformed';
    let p = this.frames.get(frameId);
    if (p) {
      const fr = p.frame;
      if (fr.total !== total || fr.keyframe !== f.keyframe || fr.sourceIndex !== f.sourceIndex) return 'malformed';
      const have = p.chunks.get(offset);
      if (have) return have.length === len ? 'duplicate' : 'malformed';
      if (fr.data) return 'duplicate';
    } else {
      if (this.frames.size > this.limits.maxFramesAhead) return 'malformed';
      p = {
        frame: { frameId, sourceIndex: f.sourceIndex, keyframe: f.keyframe, captureMs: f.captureMs, total, firstArrival: arrival, lastArrival: arrival, repaired: false },
        chunks: new Map(),
        bytes: 0,
      };
    }
    if (this.held + len > this.limits.maxBufferBytes) return 'malformed';
    if (!this.frames.has(frameId)) this.frames.set(frameId, p);
    p.chunks.set(offset, Buffer.from(f.payload));
    p.bytes += len;
    this.held += len;
    p.frame.lastArrival = arrival;
    if (f.retransmit) p.frame.repaired = true;
    if (p.bytes === total) {
      const data = Buffer.allocUnsafe(total);
      for (const [o, c] of p.chunks) c.copy(data, o);
      p.chunks.clear();
      p.frame.data = data;
    }
    return 'ok';
  }

  get(frameId: number): AssembledFrame | undefined {
    return this.frames.get(frameId)?.frame;
  }

  /** Lowest buffered frame id above `next` (the playout skips to it when `next` is given up). */
  firstAfterNext(): AssembledFrame | undefined {
    let best: AssembledFrame | undefined;
    for (const [id, p] of this.frames) if (id > this.next && (!best || id < best.frameId)) best = p.frame;
    return best;
  }

  /** Next keyframe buffered at or after `next`, complete or not. */
  nextKeyframe(): AssembledFrame | undefined {
    let best: AssembledFrame | undefined;
    for (const [id, p] of this.frames) if (id >= this.next && p.frame.keyframe && (!best || id < best.frameId)) best = p.frame;
    return best;
  }

  /** The playout is done with `next` (played or given up): frees it and moves on. */
  advance(to = this.next + 1): void {
    for (const [id, p] of this.frames)
      if (id < to) {
        this.held -= p.bytes;
        this.frames.delete(id);
      }
    this.next = to;
  }
}
