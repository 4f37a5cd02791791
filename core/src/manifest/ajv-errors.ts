import type { ErrorObject } from 'ajv';

/** "/contributes/codecs/0/name must be string (expected type string)" — path, fault, expected form. */
export function formatAjvErrors(errors: ErrorObject[] | null | undefined, prefix = ''): Array<{ path: string; message: string }> {
  return (errors ?? []).map((e) => {
    let p = prefix + (e.instancePath || '');
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') p += `/${(e.params as { missingProperty: string }).missingProperty}`, (message = 'is required');
    if (e.keyword === 'additionalProperties') {
      p += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
      message = 'is not an allowed property';
    }
    if (e.keyword === 'enum') message += `: ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
    return { path: p || '/', message };
  });
}
