import * as fs from 'fs';
import * as path from 'path';
import { BUILTIN_PLUGINS_DIR, validatePluginOptions } from '@pinhole/core/host';

/**
 * A built-in plugin's options exactly as the host would hand them over: `given` validated against
 * the manifest's contributes.configuration, its defaults filled in (the manifest is their only source).
 */
export function pluginOptions<T>(pluginId: string, given: Record<string, unknown> = {}): T {
  const manifest = JSON.parse(fs.readFileSync(path.join(BUILTIN_PLUGINS_DIR, pluginId, 'package.json'), 'utf8'));
  return validatePluginOptions(pluginId, manifest.contributes?.configuration, given, `(test options for ${pluginId})`) as T;
}
