type Triple = [number, number, number];

const PLAIN = /^v?(\d+)\.(\d+)\.(\d+)$/;
const SIMPLE = /^\s*(\^|~|>=|=)?\s*v?(\d+)\.(\d+)\.(\d+)\s*$/;

const triple = (m: RegExpExecArray, from: number): Triple => [Number(m[from]), Number(m[from + 1]), Number(m[from + 2])];
const cmp = (a: Triple, b: Triple) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** The upper bound (exclusive) of ^v and ~v, as npm defines them. */
function upper(op: '^' | '~', v: Triple): Triple {
  if (op === '~') return [v[0], v[1] + 1, 0];
  if (v[0] > 0) return [v[0] + 1, 0, 0];
  if (v[1] > 0) return [0, v[1] + 1, 0];
  return [0, 0, v[2] + 1];
}

/**
 * Checks `engines.pinhole` against the core version. The forms manifests use — `*`, `X.Y.Z`,
 * `^X.Y.Z`, `~X.Y.Z`, `>=X.Y.Z` on plain versions — are decided here; anything else (and any
 * prerelease) goes to semver, loaded only then: its regular expressions cost about as much at
 * require as the rest of `pinhole plugins`.
 */
export function checkEngine(coreVersion: string, range: string): 'ok' | 'mismatch' | 'invalid' {
  const v = PLAIN.exec(coreVersion);
  const r = SIMPLE.exec(range);
  const any = /^\s*[*xX]?\s*$/.test(range);
  if (v && any) return 'ok';
  if (v && r) {
    const have = triple(v, 1);
    const want = triple(r, 2);
    const op = r[1];
    if (op === undefined || op === '=') return cmp(have, want) === 0 ? 'ok' : 'mismatch';
    if (op === '>=') return cmp(have, want) >= 0 ? 'ok' : 'mismatch';
    return cmp(have, want) >= 0 && cmp(have, upper(op as '^' | '~', want)) < 0 ? 'ok' : 'mismatch';
  }
  /* eslint-disable @typescript-eslint/no-require-imports */
  const validRange = require('semver/ranges/valid') as typeof import('semver/ranges/valid');
  const satisfies = require('semver/functions/satisfies') as typeof import('semver/functions/satisfies');
  /* eslint-enable @typescript-eslint/no-require-imports */
  if (!validRange(range)) return 'invalid';
  return satisfies(coreVersion, range, { includePrerelease: true }) ? 'ok' : 'mismatch';
}
