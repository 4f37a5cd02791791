import { PluginError, type PluginContext } from '@pinhole/core';

/** Activates what contributes `event` and returns the service bound to `id`, or says which plugin is missing. */
export async function requireService<T>(context: PluginContext, event: string, id: symbol, missing: string): Promise<T> {
  await context.activateByEvent(event);
  if (!context.container.isBound(id)) throw new PluginError('E_PAYLOAD_MISSING', `${missing}; install it or enable it in pinhole.config.json`);
  return context.container.get<T>(id);
}
