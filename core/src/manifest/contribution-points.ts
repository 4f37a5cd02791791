import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { formatAjvErrors } from './ajv';

/**
 * A contribution point (VS Code's registerExtensionPoint): a name under `contributes`
 * and the JSON schema of its entry. Each point validates its own part of every manifest.
 */
export interface ContributionPoint {
  name: string;
  jsonSchema: Record<string, unknown>;
  /** Activation events a contribution implies (VS Code adds onCommand for contributed commands). */
  impliedEvents?: (value: unknown) => string[];
}

export interface Problem {
  code: string;
  path: string;
  message: string;
}

const NAME = { type: 'string', pattern: '^[a-z][a-z0-9._-]*$' };
const listOf = (item: Record<string, unknown>) => ({ type: 'array', items: item });

export const BUILTIN_CONTRIBUTION_POINTS: ContributionPoint[] = [
  {
    name: 'codecs',
    jsonSchema: listOf({
      type: 'object',
      required: ['name', 'payloadType'],
      additionalProperties: false,
      properties: {
        name: NAME,
        title: { type: 'string' },
        payloadType: { enum: ['voice', 'video'] },
        clockRate: { type: 'integer', minimum: 1 },
        channels: { type: 'integer', minimum: 1, maximum: 8 },
        frameMs: { type: 'number', exclusiveMinimum: 0 },
      },
    }),
    impliedEvents: (v) => (Array.isArray(v) ? v.map((c: { name: string }) => `onCodec:${c.name}`) : []),
  },
  {
    name: 'payloadTypes',
    jsonSchema: listOf({
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: NAME, title: { type: 'string' }, reliable: { type: 'boolean' } },
    }),
    impliedEvents: (v) => (Array.isArray(v) ? v.map((c: { name: string }) => `onPayload:${c.name}`) : []),
  },
  {
    name: 'punchStrategies',
    jsonSchema: listOf({
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: NAME, title: { type: 'string' }, stage: { type: 'integer' } },
    }),
  },
  {
    name: 'directoryBackends',
    jsonSchema: listOf({
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: NAME, title: { type: 'string' } },
    }),
    impliedEvents: (v) => (Array.isArray(v) ? v.map((c: { name: string }) => `onDirectory:${c.name}`) : []),
  },
  {
    name: 'commands',
    jsonSchema: listOf({
      type: 'object',
      required: ['command', 'title'],
      additionalProperties: false,
      properties: {
        command: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
        title: { type: 'string', minLength: 1 },
        usage: { type: 'string' },
      },
    }),
    impliedEvents: (v) => (Array.isArray(v) ? v.map((c: { command: string }) => `onCommand:${c.command}`) : []),
  },
  {
    // A plugin's options schema: itself a JSON schema, checked against the meta-schema.
    name: 'configuration',
    jsonSchema: { type: 'object', required: ['type'], properties: { type: { const: 'object' } } },
  },
];

export class ContributionPointRegistry {
  private readonly points = new Map<string, { point: ContributionPoint; validate: ValidateFunction }>();
  constructor(private readonly ajv: Ajv) {
    for (const p of BUILTIN_CONTRIBUTION_POINTS) this.register(p);
  }

  register(point: ContributionPoint): void {
    if (this.points.has(point.name)) throw new Error(`contribution point "${point.name}" is already registered`);
    this.points.set(point.name, { point, validate: this.ajv.compile(point.jsonSchema) });
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
      if (!entry.validate(value)) {
        for (const f of formatAjvErrors(entry.validate.errors, `/contributes/${name}`))
          problems.push({ code: 'E_MANIFEST_INVALID', ...f });
      } else if (name === 'configuration' && !this.ajv.validateSchema(value as object)) {
        for (const f of formatAjvErrors(this.ajv.errors, `/contributes/configuration`))
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
