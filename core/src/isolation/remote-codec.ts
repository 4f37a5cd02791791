import type { Sandbox } from '@pinhole/sandbox';
import { CodecError, type Codec, type CodecDecoder, type CodecEncoder } from '../services/codec';
import { fromSandbox, IsolationErrors } from './errors';
import type { CodecDescriptor, InstanceKind, PluginWorkerApi } from './worker-api';

/** One encoder or decoder in the worker: its id, and the sandbox epoch it lives in. */
class Instance {
  private disposed = false;
  private readonly epoch: number;

  constructor(
    private readonly pluginId: string,
    private readonly sandbox: Sandbox<PluginWorkerApi>,
    private readonly codec: string,
    private readonly kind: InstanceKind,
    readonly id: number,
    index: number,
  ) {
    this.epoch = sandbox.epoch;
    sandbox.send('create', [kind, index, id]);
  }

  call<T>(method: 'encode' | 'decode' | 'conceal', arg?: unknown): Promise<T> {
    if (this.disposed) return Promise.reject(new CodecError('E_CODEC_DISPOSED', `${this.codec} codec instance was disposed; create a new encoder or decoder`, { codec: this.codec, plugin: this.pluginId }));
    if (this.sandbox.epoch !== this.epoch) return Promise.reject(IsolationErrors.STATE_LOST(this.pluginId, this.kind));
    const args = arg === undefined ? [this.id] : [this.id, arg];
    return this.sandbox.call(method, args).catch((err) => {
      throw fromSandbox(this.pluginId, err);
    }) as Promise<T>;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.sandbox.epoch === this.epoch) this.sandbox.send('dispose', [this.id]);
  }
}

/** Its description's fields, read once from the worker (declaration merging: no field list twice). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-unsafe-declaration-merging
export interface RemoteCodec extends Readonly<CodecDescriptor> {}

/**
 * A voice Codec whose work runs in its plugin's isolation worker: the description is data read
 * once at activation; every encode, decode and conceal is a call that resolves with the result
 * (calls made in one event-loop turn share one message each way). Bound in the host under
 * `Codec`, so consumers cannot tell it from one in the peer process, except that its results
 * are promises (the contract's Awaitable).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class RemoteCodec implements Codec {
  constructor(
    private readonly pluginId: string,
    private readonly sandbox: Sandbox<PluginWorkerApi>,
    private readonly index: number,
    private readonly nextId: () => number,
    d: CodecDescriptor,
  ) {
    Object.assign(this, d, { impairment: Object.freeze({ ...d.impairment }) });
  }

  createEncoder(): CodecEncoder {
    const i = this.instance('encoder');
    return { encode: (pcm) => i.call<Buffer>('encode', pcm), dispose: () => i.dispose() };
  }

  createDecoder(): CodecDecoder {
    const i = this.instance('decoder');
    return { decode: (payload) => i.call<Int16Array>('decode', payload), conceal: () => i.call<Int16Array>('conceal'), dispose: () => i.dispose() };
  }

  private instance(kind: InstanceKind): Instance {
    return new Instance(this.pluginId, this.sandbox, this.name, kind, this.nextId(), this.index);
  }
}
