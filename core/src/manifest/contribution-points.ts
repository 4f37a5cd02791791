import { formatAjvErrors } from './ajv-errors';
import { runtimeAjv } from './ajv-runtime';
import { BUILTIN_POINT_NAMES } from './schema-sources';
import type { Problem } from './types';
import { validator, type Validator } from './validators';

/**
 * A contribution point (VS Code's registerExtensionPoint): a name under `contributes`, the JSON
 * schema of its entry, and the activation events a contribution implies. The built-in points'
 * schemas live in schemas/contributions.schema.json (precompiled); a point registered later
 * gives its `jsonSchema`, compiled on first use.
 */
export interface ContributionPoint {
  name: string;
  jsonSchema?: Record<string, unknown>;
  /** Activation events a contribution implies (VS Code adds onCommand for contributed commands). */
  impliedEvents?: (value: unknown) => string[];
}

const named = (prefix: string, key = 'name') => (v: unknown) =>
  Array.isArray(v) ? v.map((c: Record<string, unknown>) => `${prefix}:${String(c[key])}`) : [];

const IMPLIED: Record<(typeof BUILTIN_POINT_NAMES)[number], ContributionPoint['impliedEvents']> = {
  codecs: named('onCodec'),
  payloadTypes: named('onPayload'),
  punchStrategies: named('onPunch'),
  directoryBackends: named('onDirectory'),
  commands: named('onCommand', 'command'),
  configuration: undefined,
};

export const BUILTIN_CONTRIBUTION_POINTS: ContributionPoint[] = BUILTIN_POINT_NAMES.map((name) => ({ name, impliedEvents: IMPLIED[name] }));

export class ContributionPointRegistry {
  private readonly points = new Map<string, { point: ContributionPoint; validate?: Validator }>();
  constructor() {
    for (const p of BUILTIN_CONTRIBUTION_POINTS) this.points.set(p.name, { point: p });
  }

  register(point: ContributionPoint): void {
    if (this.points.has(point.name)) throw new Error(`contribution point "${point.name}" is already registered`);
    if (!point.jsonSchema) throw new Error(`contribution point "${point.name}" needs a jsonSchema`);
    this.points.set(point.name, { point });
  }

  names(): string[] {
    return [...this.points.keys()];
  }

  /** Validates every contribution of one manifest; unknown points are reported, not fatal. */
  check(contributes: Record<string, unknown>): Problem[] {
    const problems: Problem[] = [];
    for (const [name, value] of Object.entries(contributes)) {
      const entry = this.points.get(name);
      if (!entry) {
        problems.push({
          code: 'E_CONTRIBUTION_UNKNOWN',
          path: `/contributes/${name}`,
          message: `unknown contribution point "${name}" (known: ${this.names().join(', ')})`,
        });
        continue;
      }
      const validate = (entry.validate ??= entry.point.jsonSchema ? runtimeAjv().compile(entry.point.jsonSchema) : validator(`point:${name}`));
      if (!validate(value)) {
        for (const f of formatAjvErrors(validate.errors, `/contributes/${name}`)) problems.push({ code: 'E_MANIFEST_INVALID', ...f });
      } else if (name === 'configuration') {
        const meta = validator('meta');
        if (!meta(value))
          for (const f of formatAjvErrors(meta.errors, `/contributes/configuration`))
            problems.push({ code: 'E_MANIFEST_INVALID', path: f.path, message: `not a valid JSON schema: ${f.message}` });
      }
    }
    return problems;
  }

  impliedEvents(contributes: Record<string, unknown>): string[] {
    const out: string[] = [];
    for (const [name, value] of Object.entries(contributes)) {
      const fn = this.points.get(name)?.point.impliedEvents;
      if (fn) out.push(...fn(value));
    }
    return out;
  }
}
