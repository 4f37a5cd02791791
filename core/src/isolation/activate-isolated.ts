import { ContainerModule } from 'inversify';
import { loadModule, type ActivationDeps } from '../activation/activator';
import { checkContributions } from '../activation/contribution-check';
import type { PluginEntry, PluginRuntime } from '../activation/plugin-host';
import { pluginMain } from '../activation/plugin-module';
import type { Problem } from '../manifest/types';
import { Codec } from '../services/codec';
import { VideoCodec } from '../services/video-codec';
import { IsolatedPlugin } from './isolated-plugin';
import { limitsOf } from './settings';

/**
 * Activates a plugin configured (or defaulted) to `"isolation": "worker"`: its module runs in a
 * sandbox worker, and what it binds that can cross — voice Codecs, VideoCodecs — is bound in the host as RPC
 * proxies, in a ContainerModule of its own that deactivation unloads with the worker.
 */
export async function activateIsolated(e: PluginEntry, rt: PluginRuntime, deps: ActivationDeps, options: Record<string, unknown>): Promise<Problem[]> {
  const id = e.desc.id;
  const log = deps.log.child(id);
  const plugin = await IsolatedPlugin.start({
    data: { pluginId: id, dir: e.desc.dir, main: pluginMain(e.desc.dir, e.desc.manifest), manifest: e.desc.manifest, options },
    limits: limitsOf(id, deps.config.config),
    log,
    onCrash: (crash) => deps.crashed(e, crash),
    onRestart: () => deps.restarted(e),
  });
  e.subscriptions.push({ dispose: () => plugin.close(log) });
  loadModule(
    e,
    rt.container,
    new ContainerModule((bind) => {
      for (const codec of plugin.codecs) bind<Codec>(Codec).toConstantValue(codec);
      for (const codec of plugin.videoCodecs) bind<VideoCodec>(VideoCodec).toConstantValue(codec);
    }),
  );
  return checkContributions(e.desc.manifest, rt, new Set(), () => false);
}
