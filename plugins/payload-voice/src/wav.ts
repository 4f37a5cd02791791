import * as fs from 'fs';
import { VoiceError, type PcmAudio } from '@pinhole/core';

const HEADER_BYTES = 44;
const FORMAT_PCM = 1;
const FORMAT_EXTENSIBLE = 0xfffe;
const CONVERT_HINT = 'convert it with: sox IN -c 1 -b 16 -e signed-integer OUT.wav';

/** Parses a RIFF/WAVE file holding 16-bit signed PCM, mono (plain PCM or WAVE_FORMAT_EXTENSIBLE). */
export function parseWav(buf: Buffer, name = 'WAV data'): PcmAudio {
  const bad = (why: string) => new VoiceError('E_WAV_FORMAT', `${name}: ${why}`, { file: name });
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw bad('not a RIFF/WAVE file');
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > buf.length) throw bad('truncated fmt chunk');
      let format = buf.readUInt16LE(body);
      if (format === FORMAT_EXTENSIBLE && size >= 40) format = buf.readUInt16LE(body + 24); // SubFormat GUID starts with the format tag
      fmt = { format, channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw bad('data chunk before fmt chunk');
      if (fmt.format !== FORMAT_PCM) throw bad(`format tag ${fmt.format} is not integer PCM; ${CONVERT_HINT}`);
      if (fmt.bits !== 16) throw bad(`${fmt.bits}-bit samples; only 16-bit PCM is read; ${CONVERT_HINT}`);
      if (fmt.channels !== 1) throw bad(`${fmt.channels} channels; only mono is read; ${CONVERT_HINT}`);
      if (fmt.rate < 8000 || fmt.rate > 192000) throw bad(`sample rate ${fmt.rate} Hz is outside 8000–192000`);
      // Streaming writers leave 0 or 0xFFFFFFFF as the size: take what the file holds.
      const avail = buf.length - body;
      const bytes = size === 0 || size > avail ? avail : size;
      const samples = new Int16Array(bytes >> 1);
      Buffer.from(samples.buffer).set(buf.subarray(body, body + samples.length * 2));
      return { sampleRate: fmt.rate, samples };
    }
    at = body + size + (size & 1); // chunks are word-aligned
  }
  throw bad('no data chunk');
}

export function readWav(file: string): PcmAudio {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw new VoiceError('E_WAV_IO', `cannot read ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
  return parseWav(buf, file);
}

function header(sampleRate: number, samples: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  const data = samples * 2;
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(FORMAT_PCM, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data, 40);
  return h;
}

export function encodeWav(audio: PcmAudio): Buffer {
  return Buffer.concat([header(audio.sampleRate, audio.samples.length), Buffer.from(audio.samples.buffer, audio.samples.byteOffset, audio.samples.byteLength)]);
}

export function writeWav(file: string, audio: PcmAudio): void {
  fs.writeFileSync(file, encodeWav(audio));
}

/** Writes a WAV as samples come, and fixes the sizes in the header on close (16-bit mono PCM). */
export class WavWriter {
  private written = 0;
  private closed = false;

  private constructor(private readonly fd: number, readonly file: string, readonly sampleRate: number) {}

  static open(file: string, sampleRate: number): WavWriter {
    let fd: number;
    try {
      fd = fs.openSync(file, 'w');
      fs.writeSync(fd, header(sampleRate, 0));
    } catch (err) {
      throw new VoiceError('E_WAV_IO', `cannot write ${file}: ${(err as Error).message}`, { file }, { cause: err });
    }
    return new WavWriter(fd, file, sampleRate);
  }

  get samples(): number {
    return this.written;
  }

  write(samples: Int16Array): void {
    if (this.closed || samples.length === 0) return;
    fs.writeSync(this.fd, new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
    this.written += samples.length;
  }

  /** Closes the file; with `length`, first cuts or zero-pads it to exactly that many samples. */
  close(length?: number): void {
    if (this.closed) return;
    this.closed = true;
    if (length !== undefined && length < this.written) {
      fs.ftruncateSync(this.fd, HEADER_BYTES + length * 2);
      this.written = length;
    } else if (length !== undefined && length > this.written) {
      fs.writeSync(this.fd, Buffer.alloc((length - this.written) * 2));
      this.written = length;
    }
    fs.writeSync(this.fd, header(this.sampleRate, this.written), 0, HEADER_BYTES, 0);
    fs.closeSync(this.fd);
  }
}
