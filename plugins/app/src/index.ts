import type { PluginContext } from '@pinhole/core';
import { callCommand } from './call-command';
import { demoCommand } from './demo-command';

/** The reference app: what a user composes from plugins, exposed as CLI commands. */
export function activate(context: PluginContext): void {
  context.commands.register('call', callCommand(context));
  context.commands.register('demo', demoCommand(context));
}
