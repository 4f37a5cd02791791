import 'reflect-metadata';
import { Container } from 'inversify';
import { workerData } from 'worker_threads';
import { pluginContext, requirePluginModule } from '../activation/plugin-module';
import { CommandContribution } from '../commands';
import { Contributions, ServiceLoader } from '../container/services';
import { disposeAll, type Disposable } from '../disposable';
import { HookContribution } from '../hooks/contribution';
import { Hooks } from '../hooks/hooks';
import { Logger } from '../log';
import { Codec, type CodecDecoder, type CodecEncoder } from '../services/codec';
import { VideoCodec, type VideoDecoder, type VideoEncoder } from '../services/video-codec';
import { IsolationErrors } from './errors';
import { workerLogger } from './worker-logger';
import type { InstanceKind, PluginWorkerApi, PluginWorkerData } from './worker-api';

/**
 * Runs inside a plugin's isolation worker (the sandbox loads it as its module): activates the
 * plugin in a container of its own — containerModule(ctx), then activate(ctx) — and serves its
 * voice and video codecs to the host (PluginWorkerApi). Host services that reach other plugins
 * (ServiceLoader, Contributions, Hooks) are not here: a plugin asking for one is told why.
 */
async function activate(d: PluginWorkerData): Promise<PluginWorkerApi> {
  const container = new Container({ defaultScope: 'Singleton', skipBaseClassChecks: true });
  const log = workerLogger();
  container.bind(Logger).toConstantValue(log);
  for (const [id, name] of [
    [ServiceLoader, 'ServiceLoader'],
    [Contributions, 'Contributions'],
    [Hooks, 'Hooks'],
  ] as const)
    container.bind(id).toDynamicValue(() => {
      throw IsolationErrors.UNSUPPORTED(d.pluginId, `asks for ${name}, which reaches the peer's other plugins and is not available in a worker`);
    });
  const subscriptions: Disposable[] = [];
  const ctx = pluginContext({ pluginId: d.pluginId, manifest: d.manifest, dir: d.dir, options: Object.freeze(d.options), log, subscriptions });
  const mod = requirePluginModule(d.pluginId, d.main);
  if (mod.containerModule) container.load(mod.containerModule(ctx));
  if (container.isBoundNamed(HookContribution, d.pluginId))
    throw IsolationErrors.UNSUPPORTED(d.pluginId, 'binds HookContributions (taps run on the peer\'s live hooks, sockets and sessions)');
  if (container.isBoundNamed(CommandContribution, d.pluginId)) throw IsolationErrors.UNSUPPORTED(d.pluginId, 'binds CommandContributions (commands run with the CLI)');
  await mod.activate?.(ctx);
  const codecs = container.isBound(Codec) ? container.getAll<Codec>(Codec).filter((c) => c.payloadType === 'voice') : [];
  for (const c of codecs) await warmUp(c, log);
  const video = container.isBound(VideoCodec) ? container.getAll<VideoCodec>(VideoCodec) : [];
  return codecApi(d.pluginId, codecs, video, async () => {
    await mod.deactivate?.();
    await disposeAll(subscriptions);
    await container.unbindAllAsync();
  });
}

/**
 * Runs each codec through a few frames while activating: a WebAssembly codec compiles its
 * functions on first use (hundreds of ms on a busy machine), which must not count against the
 * first call's timeout. A codec that refuses here is left to refuse its real calls.
 */
async function warmUp(codec: Codec, log: Logger): Promise<void> {
  try {
    const enc = codec.createEncoder();
    const dec = codec.createDecoder();
    const n = codec.frameSamples * codec.channels;
    for (let f = 0; f < 3; f++) {
      const pcm = Int16Array.from({ length: n }, (_, i) => Math.round(4000 * Math.sin((2 * Math.PI * 220 * (f * n + i)) / codec.clockRate)));
      await dec.decode(await enc.encode(pcm));
    }
    await dec.conceal();
    enc.dispose();
    dec.dispose();
  } catch (err) {
    log.debug(`codec "${codec.name}" failed its warm-up`, { error: (err as Error)?.message });
  }
}

function codecApi(pluginId: string, codecs: Codec[], video: VideoCodec[], deactivate: () => Promise<void>): PluginWorkerApi {
  const instances = new Map<number, CodecEncoder | CodecDecoder | VideoEncoder | VideoDecoder | { failed: unknown }>();
  const get = <T>(id: number): T => {
    const i = instances.get(id);
    if (!i) throw IsolationErrors.NO_INSTANCE(pluginId, id);
    if ('failed' in i) throw i.failed;
    return i as T;
  };
  return {
    describe: () => ({
      video: video.map((c) => ({ name: c.name, payloadType: c.payloadType, clockRate: c.clockRate, interFrame: c.interFrame, maxWidth: c.maxWidth, maxHeight: c.maxHeight })),
      voice: codecs.map((c) => ({
        name: c.name,
        payloadType: c.payloadType,
        clockRate: c.clockRate,
        channels: c.channels,
        frameMs: c.frameMs,
        frameSamples: c.frameSamples,
        ...(c.rtpPayloadType !== undefined ? { rtpPayloadType: c.rtpPayloadType } : {}),
        lookaheadMs: c.lookaheadMs,
        impairment: { ...c.impairment },
      })),
    }),
    create(kind: InstanceKind, codec: number, id: number) {
      try {
        instances.set(id, kind === 'encoder' ? codecs[codec].createEncoder() : codecs[codec].createDecoder());
      } catch (err) {
        instances.set(id, { failed: err });
      }
    },
    encode: (id, pcm) => get<CodecEncoder>(id).encode(pcm) as Buffer,
    decode: (id, payload) => get<CodecDecoder>(id).decode(payload) as Int16Array,
    conceal: (id) => get<CodecDecoder>(id).conceal() as Int16Array,
    dispose(id) {
      const i = instances.get(id);
      instances.delete(id);
      if (i && !('failed' in i)) i.dispose();
    },
    videoAvailable: (codec) => video[codec].available(),
    async createVideoEncoder(codec, id, settings) {
      const e = await video[codec].createEncoder(settings);
      instances.set(id, e);
      return { ...e.settings };
    },
    async createVideoDecoder(codec, id, size) {
      instances.set(id, await video[codec].createDecoder(size));
    },
    async videoEncode(id, frame, keyframe) {
      const e = get<VideoEncoder>(id);
      const out = await e.encode(frame, keyframe ? { keyframe } : undefined);
      return { data: out.data, keyframe: out.keyframe, settings: { ...e.settings } };
    },
    videoConfigure: (id, change) => get<VideoEncoder>(id).configure(change),
    videoKeyframe: (id) => get<VideoEncoder>(id).requestKeyframe(),
    videoDecode: (id, payload) => get<VideoDecoder>(id).decode(payload),
    async videoDispose(id) {
      const i = instances.get(id);
      instances.delete(id);
      if (i && !('failed' in i)) await (i as VideoEncoder | VideoDecoder).dispose();
    },
    deactivate,
  };
}

export const sandboxApi = activate((workerData as { data: PluginWorkerData }).data);
