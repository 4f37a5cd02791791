import * as fs from 'fs';
import * as path from 'path';
import { byCodeUnit } from '../util/compare';
import { formatAjvErrors } from './ajv-errors';
import { checkEngine } from './engine-range';
import type { ContributionPointRegistry } from './contribution-points';
import type { PluginManifest, Problem } from './types';
import { validator } from './validators';

/** A discovered plugin: its manifest as read, and what is wrong with it (empty when loadable). */
export interface PluginDescription {
  id: string;
  dir: string;
  manifestPath: string;
  manifest: PluginManifest;
  problems: Problem[];
  /** Declared activation events plus those implied by contributions. */
  activationEvents: string[];
}

export function pluginIdOf(name: string): string {
  return name.replace(/^@[^/]+\//, '');
}

/** Lists plugin folders: each path is a plugin folder itself or a folder holding plugin folders. */
export function listPluginDirs(roots: string[]): string[] {
  const out: string[] = [];
  for (const root of roots) {
    if (!fs.existsSync(root)) continue;
    if (fs.existsSync(path.join(root, 'package.json'))) {
      out.push(path.resolve(root));
      continue;
    }
    for (const entry of fs.readdirSync(root, { withFileTypes: true }).sort((a, b) => byCodeUnit(a.name, b.name))) {
      if (entry.isDirectory() && fs.existsSync(path.join(root, entry.name, 'package.json')))
        out.push(path.resolve(root, entry.name));
    }
  }
  return [...new Set(out)];
}

export class ManifestReader {
  private readonly validate = validator('manifest');
  constructor(
    private readonly points: ContributionPointRegistry,
    private readonly coreVersion: string,
  ) {}

  /** Reads one plugin folder; never throws: faults become problems of that plugin alone. */
  read(dir: string): PluginDescription {
    const manifestPath = path.join(dir, 'package.json');
    const fallbackId = path.basename(dir);
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    } catch (err) {
      return this.broken(fallbackId, dir, manifestPath, {
        code: 'E_MANIFEST_UNREADABLE',
        path: '/',
        message: `cannot read ${manifestPath}: ${(err as Error).message}; fix the JSON syntax`,
      });
    }
    const manifest = raw as PluginManifest;
    const id = typeof manifest?.name === 'string' ? pluginIdOf(manifest.name) : fallbackId;
    const problems: Problem[] = [];
    if (!this.validate(raw)) {
      for (const f of formatAjvErrors(this.validate.errors)) problems.push({ code: 'E_MANIFEST_INVALID', ...f });
    } else {
      problems.push(...this.points.check(manifest.contributes ?? {}));
      const range = manifest.engines.pinhole;
      const engine = checkEngine(this.coreVersion, range);
      if (engine === 'invalid') {
        problems.push({ code: 'E_MANIFEST_INVALID', path: '/engines/pinhole', message: `"${range}" is not a semver range (e.g. "^0.1.0")` });
      } else if (engine === 'mismatch') {
        problems.push({
          code: 'E_ENGINE_MISMATCH',
          path: '/engines/pinhole',
          message: `needs Pinhole ${range} but this core is ${this.coreVersion}; update the plugin or the core`,
        });
      }
      const main = path.resolve(dir, manifest.main);
      if (!fs.existsSync(main) && !fs.existsSync(main + '.js'))
        problems.push({ code: 'E_MANIFEST_MAIN_MISSING', path: '/main', message: `${manifest.main} does not exist in ${dir}; build the plugin (npm run build)` });
    }
    const declared = Array.isArray(manifest?.activationEvents) ? manifest.activationEvents : [];
    const implied = problems.length === 0 ? this.points.impliedEvents(manifest.contributes ?? {}) : [];
    return { id, dir, manifestPath, manifest, problems, activationEvents: [...new Set([...declared, ...implied])] };
  }

  private broken(id: string, dir: string, manifestPath: string, problem: Problem): PluginDescription {
    return { id, dir, manifestPath, manifest: { name: id, version: '0.0.0', main: '', engines: { pinhole: '*' } }, problems: [problem], activationEvents: [] };
  }
}
