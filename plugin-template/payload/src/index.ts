import { ContainerModule } from 'inversify';
import { PayloadType, type PluginContext } from '@pinhole/core';
import { PAYLOAD_NAME, TextPayload, TextPayloadOptions } from './text-payload';

export { TextPayload, PAYLOAD_NAME, type TextOptions, type TextPayloadOptions } from './text-payload';

/** The text payload type, bound by name and configured from the plugin's validated options. */
export function containerModule(ctx: PluginContext<TextPayloadOptions>): ContainerModule {
  return new ContainerModule((bind) => {
    bind(TextPayloadOptions).toConstantValue(ctx.options);
    bind(PayloadType).to(TextPayload).inSingletonScope().whenTargetNamed(PAYLOAD_NAME);
  });
}
