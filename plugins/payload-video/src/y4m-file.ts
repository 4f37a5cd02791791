import * as fs from 'fs';
import { formatY4mHeader, i420Size, parseY4mHeader, VideoError, Y4M_MAX_LINE, type VideoFrame, type Y4mHeader } from '@pinhole/core';

function ioError(file: string, err: unknown): VideoError {
  return new VideoError('E_Y4M_IO', `${file}: ${(err as Error).message}`, { file }, { cause: err });
}

/**
 * Reads a Y4M file frame by frame (one frame in memory). The header is checked at open; every
 * frame must start with a FRAME line exactly where the previous frame's planes end, so a frame
 * of another size mid-stream is E_Y4M_FRAME (with its number), and a file that ends inside a
 * frame is E_Y4M_TRUNCATED.
 */
export class Y4mReader {
  readonly header: Y4mHeader;
  readonly frameBytes: number;
  /** Frames in the file, from its size (each FRAME line is checked when read). */
  readonly frameCount: number;
  private readonly fd: number;
  private pos: number;
  private index = 0;
  private closed = false;

  private constructor(readonly file: string, fd: number, header: Y4mHeader, dataStart: number, size: number) {
    this.fd = fd;
    this.header = header;
    this.frameBytes = i420Size(header.width, header.height);
    this.pos = dataStart;
    this.frameCount = Math.floor((size - dataStart) / (this.frameBytes + 6));
  }

  static open(file: string): Y4mReader {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      throw ioError(file, err);
    }
    try {
      const size = fs.fstatSync(fd).size;
      const head = Buffer.alloc(Math.min(Y4M_MAX_LINE, size));
      fs.readSync(fd, head, 0, head.length, 0);
      const nl = head.indexOf(0x0a);
      if (nl < 0) {
        if (head.toString('latin1').startsWith('YUV4MPEG2')) throw new VideoError('E_Y4M_TRUNCATED', `${file}: the header line never ends; the file is truncated`, { file });
        parseY4mHeader(head.toString('latin1').split('\n')[0], file); // says it is not Y4M
      }
      const header = parseY4mHeader(head.subarray(0, nl).toString('latin1'), file);
      const r = new Y4mReader(file, fd, header, nl + 1, size);
      if (r.frameCount === 0) throw new VideoError('E_Y4M_TRUNCATED', `${file}: no complete frame after the header (${size - nl - 1} bytes; one ${header.width}×${header.height} frame needs ${r.frameBytes + 6})`, { file });
      return r;
    } catch (err) {
      fs.closeSync(fd);
      throw err instanceof VideoError ? err : ioError(file, err);
    }
  }

  get frameRate(): number {
    return this.header.rateNum / this.header.rateDen;
  }

  /** The next frame, or undefined at the end of the file. */
  next(): VideoFrame | undefined {
    if (this.closed) return undefined;
    const line = Buffer.alloc(Y4M_MAX_LINE);
    const got = fs.readSync(this.fd, line, 0, line.length, this.pos);
    if (got === 0) return undefined;
    const nl = line.subarray(0, got).indexOf(0x0a);
    const n = this.index;
    if (line.subarray(0, 5).toString('latin1') !== 'FRAME' || (nl < 0 && got === line.length))
      throw new VideoError('E_Y4M_FRAME', `${this.file}: frame ${n} does not start with a FRAME line where frame ${n - 1} of ${this.frameBytes} bytes (${this.header.width}×${this.header.height} I420) ends; a frame of another size or stray bytes are in the stream`, { file: this.file, frame: n });
    if (nl < 0) throw new VideoError('E_Y4M_TRUNCATED', `${this.file}: the file ends inside frame ${n}'s FRAME line`, { file: this.file, frame: n });
    const data = Buffer.allocUnsafe(this.frameBytes);
    const read = fs.readSync(this.fd, data, 0, this.frameBytes, this.pos + nl + 1);
    if (read < this.frameBytes)
      throw new VideoError('E_Y4M_TRUNCATED', `${this.file}: the file ends inside frame ${n} (${read} of ${this.frameBytes} bytes); it is truncated`, { file: this.file, frame: n });
    this.pos += nl + 1 + this.frameBytes;
    this.index++;
    return { width: this.header.width, height: this.header.height, data };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

/** Writes a Y4M file frame by frame. */
export class Y4mWriter {
  frames = 0;
  private readonly frameBytes: number;
  private closed = false;

  private constructor(readonly file: string, private readonly fd: number, readonly header: Y4mHeader) {
    this.frameBytes = i420Size(header.width, header.height);
  }

  static open(file: string, header: Y4mHeader): Y4mWriter {
    try {
      const fd = fs.openSync(file, 'w');
      fs.writeSync(fd, formatY4mHeader(header));
      return new Y4mWriter(file, fd, header);
    } catch (err) {
      throw ioError(file, err);
    }
  }

  write(frame: VideoFrame): void {
    if (this.closed) return;
    if (frame.data.length !== this.frameBytes) throw new VideoError('E_Y4M_FRAME', `${this.file}: a ${frame.width}×${frame.height} frame does not fit this ${this.header.width}×${this.header.height} file`);
    try {
      fs.writeSync(this.fd, 'FRAME\n');
      fs.writeSync(this.fd, frame.data);
    } catch (err) {
      throw ioError(this.file, err);
    }
    this.frames++;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
