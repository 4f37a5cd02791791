import { ContainerModule } from 'inversify';
import { PayloadType, type PluginContext } from '@pinhole/core';
import { TextPayload } from './text-payload';

export { TextPayload, type TextOptions } from './text-payload';

/** The payload type's name: `contributes.payloadTypes[0].name`; the host activates it on `onPayload:<name>`. */
export const PAYLOAD_NAME = 'template-payload';

/** Options (contributes.configuration), validated by the host; set before the container module is used. */
const settings = { maxBytes: 1 << 20 };

export const containerModule = new ContainerModule((bind) => {
  bind(PayloadType).toDynamicValue(() => new TextPayload(PAYLOAD_NAME, settings)).inSingletonScope().whenTargetNamed(PAYLOAD_NAME);
});

export function activate(context: PluginContext): void {
  settings.maxBytes = context.options.maxBytes as number;
}
