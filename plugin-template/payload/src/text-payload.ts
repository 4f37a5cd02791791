import { crc32 } from 'zlib';
import { inject, injectable } from 'inversify';
import {
  FrameDecoder,
  PayloadError,
  PinholeError,
  type DatagramSession,
  type Disposable,
  type PayloadEndpoint,
  type PayloadProgress,
  type PayloadType,
  type ReliableStream,
} from '@pinhole/core';
import { CHUNK_BYTES, decodeTextFrame, encodeTextFrame, MAX_FRAME, type TextFrame } from './wire';

/** The payload type's name: `contributes.payloadTypes[0].name`; the host activates it on `onPayload:<name>`. */
export const PAYLOAD_NAME = 'template-payload';

/** The plugin's options: contributes.configuration in package.json is their schema and the only source of defaults. */
export interface TextPayloadOptions {
  maxBytes: number;
}
/** Plugin-private token for the validated options. */
export const TextPayloadOptions = Symbol('TextPayloadOptions');

/** What a receiving side attaches with. */
export interface TextOptions {
  /** Largest message accepted; a larger offer is refused with E_TEXT_TOO_LONG. */
  maxBytes?: number;
  /** Delivered messages are appended here too (besides onReceived). */
  inbox?: string[];
}

/** A peer that stops ending its side of the stream is cut off after this. */
const CLOSE_GRACE_MS = 2000;

/**
 * Text messages over one reliable udx stream per session. Per message: the sender offers its
 * size; the receiver accepts or refuses; the text follows in chunks, then `done`; the receiver
 * delivers it whole and answers `received`, which resolves send(). One message at a time.
 */
@injectable()
export class TextPayload implements PayloadType<string, void, string, TextOptions> {
  readonly name = PAYLOAD_NAME;
  readonly reliable = true;
  readonly carrier: { kind: 'reliable'; channel: number };
  private readonly attached = new WeakSet<DatagramSession>();

  constructor(@inject(TextPayloadOptions) private readonly defaults: TextPayloadOptions) {
    // A channel of its own, derived from the name, so several payload types share a session.
    this.carrier = { kind: 'reliable', channel: 0x1000 + (crc32(PAYLOAD_NAME) % 0xe000) };
  }

  attach(session: DatagramSession, options: TextOptions = {}): PayloadEndpoint<string, void, string> {
    if (this.attached.has(session))
      throw new PayloadError('E_PAYLOAD_ATTACHED', `${this.name} is already attached to this session; close the endpoint first`);
    this.attached.add(session);
    const ep = new TextEndpoint(this.name, session.openReliableStream(this.carrier.channel), session, { maxBytes: this.defaults.maxBytes, ...options });
    void ep.closed.then(() => this.attached.delete(session));
    return ep;
  }
}

type Handlers<T> = Set<(v: T) => void>;
function on<T>(set: Handlers<T>, h: (v: T) => void): Disposable {
  set.add(h);
  return { dispose: () => void set.delete(h) };
}

class TextEndpoint implements PayloadEndpoint<string, void, string> {
  readonly closed: Promise<void>;
  private readonly received: Handlers<string> = new Set();
  private readonly errors: Handlers<PinholeError> = new Set();
  private readonly progress: Handlers<PayloadProgress> = new Set();
  private readonly decoder = new FrameDecoder(MAX_FRAME);
  private readonly subs: Disposable[] = [];
  private ended = false;
  private gone = false;
  private grace?: NodeJS.Timeout;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  /** The message being sent: waiting for accept/refuse, then for received. */
  private out?: { id: number; answer?: (f: TextFrame) => void; fail: (e: PinholeError) => void };
  /** The message being received. */
  private incoming?: { id: number; size: number; parts: Buffer[]; bytes: number };
  private markClosed!: () => void;

  constructor(
    readonly payloadType: string,
    private readonly stream: ReliableStream,
    session: DatagramSession,
    private readonly opts: Required<Pick<TextOptions, 'maxBytes'>> & TextOptions,
  ) {
    this.closed = new Promise((r) => (this.markClosed = r));
    stream.on('data', (chunk) => this.onData(chunk));
    stream.on('end', () => this.end());
    stream.on('error', () => undefined); // followed by 'close'
    stream.once('close', () => this.onClose('the stream closed'));
    this.subs.push(session.onClose((reason) => this.onClose(`the session closed (${reason})`)));
  }

  send(text: string): Promise<void> {
    const run = this.queue.then(() => this.sendOne(text));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sendOne(text: string): Promise<void> {
    if (this.gone || this.ended) throw new PayloadError('E_PAYLOAD_CLOSED', `${this.payloadType}: the endpoint is closed; attach a new one`);
    const id = this.nextId++;
    const bytes = Buffer.from(text, 'utf8');
    const answer = (): Promise<TextFrame> => {
      const p = new Promise<TextFrame>((resolve, reject) => (this.out = { id, answer: resolve, fail: reject }));
      p.catch(() => undefined); // may fail while we are still writing chunks; awaited below
      return p;
    };
    let reply = answer();
    this.write({ kind: 'offer', id, size: bytes.length });
    const first = await reply;
    if (first.kind === 'refuse') throw new PayloadError(first.code, first.message);
    reply = answer();
    for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
      if (this.gone) break;
      if (!this.write({ kind: 'chunk', data: bytes.subarray(at, at + CHUNK_BYTES) })) await this.drained();
    }
    this.write({ kind: 'done', id });
    await reply;
    this.out = undefined;
  }

  private write(f: TextFrame): boolean {
    return this.gone || this.ended ? true : this.stream.write(encodeTextFrame(f));
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.removeListener('drain', done);
        this.stream.removeListener('close', done);
        resolve();
      };
      this.stream.once('drain', done);
      this.stream.once('close', done);
    });
  }

  private onData(chunk: Buffer): void {
    if (this.ended || this.gone) return;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
      for (const bytes of frames) this.onFrame(decodeTextFrame(bytes));
    } catch (err) {
      this.emit(this.errors, err instanceof PinholeError ? err : new PayloadError('E_PAYLOAD_INTERNAL', String(err)));
      this.fail(new PayloadError('E_PAYLOAD_CLOSED', `${this.payloadType}: the peer sent garbage; the stream was closed`));
      this.end();
    }
  }

  private onFrame(f: TextFrame): void {
    switch (f.kind) {
      case 'offer': {
        if (f.size > this.opts.maxBytes) {
          const message = `${this.payloadType}: a message of ${f.size} bytes is over this receiver's limit of ${this.opts.maxBytes} bytes; send a shorter one`;
          this.stream.write(encodeTextFrame({ kind: 'refuse', id: f.id, code: 'E_TEXT_TOO_LONG', message }));
          this.emit(this.errors, new PayloadError('E_TEXT_TOO_LONG', message, { id: f.id, size: f.size }));
          return;
        }
        this.incoming = { id: f.id, size: f.size, parts: [], bytes: 0 };
        this.stream.write(encodeTextFrame({ kind: 'accept', id: f.id }));
        return;
      }
      case 'chunk': {
        const m = this.incoming;
        if (!m || m.bytes + f.data.length > m.size) throw new PayloadError('E_TEXT_PROTOCOL', `${this.payloadType}: text arrived that no accepted offer announced`);
        m.parts.push(f.data);
        m.bytes += f.data.length;
        this.emit(this.progress, { direction: 'receive', name: `message ${m.id}`, phase: 'transfer', bytes: m.bytes, total: m.size, resumedFrom: 0 });
        return;
      }
      case 'done': {
        const m = this.incoming;
        if (!m || m.id !== f.id || m.bytes !== m.size) throw new PayloadError('E_TEXT_PROTOCOL', `${this.payloadType}: message ${f.id} ended before all its bytes arrived`);
        this.incoming = undefined;
        const text = Buffer.concat(m.parts).toString('utf8');
        this.opts.inbox?.push(text);
        this.stream.write(encodeTextFrame({ kind: 'received', id: m.id }));
        this.emit(this.received, text);
        return;
      }
      default: {
        // accept, refuse, received: answers to what this side sent
        if (this.out && this.out.id === f.id) this.out.answer?.(f);
      }
    }
  }

  private emit<T>(set: Handlers<T>, v: T): void {
    for (const h of [...set]) h(v);
  }

  /** Rejects the message being sent and reports a half-received one. */
  private fail(err: PinholeError): void {
    const out = this.out;
    this.out = undefined;
    out?.fail(err);
    if (this.incoming) {
      this.incoming = undefined;
      this.emit(this.errors, new PayloadError('E_PAYLOAD_INTERRUPTED', `${this.payloadType}: the message being received was cut off (${err.message}); nothing was delivered`));
    }
  }

  /** Ends our side; the stream closes once the peer ends too (or after a grace period). */
  private end(): void {
    if (this.ended || this.gone) return;
    this.ended = true;
    this.stream.end();
    this.grace = setTimeout(() => this.stream.destroy(), CLOSE_GRACE_MS);
    this.grace.unref();
  }

  private onClose(reason: string): void {
    if (this.gone) return;
    this.gone = true;
    clearTimeout(this.grace);
    this.fail(new PayloadError('E_PAYLOAD_CLOSED', `${this.payloadType}: ${reason}; the message was not delivered`));
    for (const s of this.subs.splice(0)) s.dispose();
    if (!this.stream.destroyed) this.stream.destroy();
    this.markClosed();
  }

  onReceived(h: (text: string) => void): Disposable {
    return on(this.received, h);
  }
  onError(h: (err: PinholeError) => void): Disposable {
    return on(this.errors, h);
  }
  onProgress(h: (p: PayloadProgress) => void): Disposable {
    return on(this.progress, h);
  }

  async close(): Promise<void> {
    this.fail(new PayloadError('E_PAYLOAD_CLOSED', `${this.payloadType}: the endpoint was closed`));
    this.end();
    await this.closed;
  }
}
