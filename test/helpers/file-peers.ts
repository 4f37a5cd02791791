import { createHash } from 'crypto';
import { FileTransfer, FrameDecoder, PayloadType, type DatagramSession, type ReliableStream } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { decodeFileFrame, encodeFileFrame, FILE_CHANNEL, MAX_FILE_FRAME, type FileFrame, type FilePayloadType, type PieceFrame } from '@pinhole/payload-file';
import { mediaHost } from './media';

const services = new WeakMap<Host, { payload: FilePayloadType; transfer: FileTransfer }>();

/** A host with media-udp and payload-file active, payload-file taking these options. */
export async function fileHost(options: Record<string, unknown> = {}): Promise<Host> {
  const host = await mediaHost({ plugins: { 'payload-file': { options } } });
  const payload = await host.services.loadNamed<FilePayloadType>(PayloadType, 'file', 'onPayload:file');
  services.set(host, { payload, transfer: await host.services.load<FileTransfer>(FileTransfer) });
  return host;
}

/** The `file` PayloadType and the FileTransfer service of a host made by fileHost(). */
const of = (host: Host) => {
  const s = services.get(host);
  if (!s) throw new Error('make the host with fileHost()');
  return s;
};
export const filePayload = (host: Host): FilePayloadType => of(host).payload;
export const fileTransfer = (host: Host): FileTransfer => of(host).transfer;

type ControlFrame = Exclude<FileFrame, PieceFrame>;
export const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest();

/** Speaks raw frames on a session's file channels: for what a well-behaved peer never sends. */
export class RawFilePeer {
  private readonly stream: ReliableStream;
  private readonly dataStreams: ReliableStream[] = [];
  private readonly decoder = new FrameDecoder(MAX_FILE_FRAME);
  private readonly frames: FileFrame[] = [];
  private wake?: () => void;

  constructor(private readonly session: DatagramSession) {
    this.stream = session.openReliableStream(FILE_CHANNEL);
    this.stream.on('error', () => undefined);
    this.stream.on('end', () => this.stream.end());
    this.stream.on('data', (c) => {
      for (const f of this.decoder.push(c)) this.frames.push(decodeFileFrame(f));
      this.wake?.();
    });
  }

  send(frame: ControlFrame): void {
    this.stream.write(encodeFileFrame(frame));
  }

  /** Writes raw bytes on data channel k. */
  raw(k: number, bytes: Buffer): void {
    this.data(k).write(bytes);
  }

  /** A piece on data channel k: its frame (by default the true size and SHA-256 of `data`), then `data`. */
  piece(k: number, header: Omit<PieceFrame, 'kind' | 'size' | 'sha256'> & Partial<Pick<PieceFrame, 'size' | 'sha256'>>, data: Buffer): void {
    const frame = encodeFileFrame({ kind: 'piece', size: data.length, sha256: sha256(data), ...header });
    this.data(k).write(Buffer.concat([frame, data]));
  }

  /** The next frame that is not an ack. */
  async next(timeoutMs = 5000): Promise<FileFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex((f) => f.kind !== 'ack');
      if (i >= 0) return this.frames.splice(i, 1)[0];
      if (Date.now() > deadline) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  destroy(): void {
    this.stream.destroy();
    for (const d of this.dataStreams) d?.destroy();
  }

  private data(k: number): ReliableStream {
    if (!this.dataStreams[k]) {
      const s = this.session.openReliableStream(FILE_CHANNEL + 1 + k);
      s.on('error', () => undefined);
      s.on('data', () => undefined);
      this.dataStreams[k] = s;
    }
    return this.dataStreams[k];
  }
}
