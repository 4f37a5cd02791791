/** Global CLI options, accepted anywhere before `--`: --json, --config FILE, --log-level LEVEL. */
export interface GlobalOptions {
  json: boolean;
  config?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  help: boolean;
}

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'];

export function splitGlobalOptions(argv: string[]): { globals: GlobalOptions; rest: string[] } {
  const globals: GlobalOptions = { json: false, help: false };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--json') globals.json = true;
    else if (flag === '--help' || flag === '-h') globals.help = true;
    else if (flag === '--config') globals.config = value();
    else if (flag === '--log-level') {
      const v = value();
      if (!LEVELS.includes(v)) throw new Error(`--log-level must be one of ${LEVELS.join(', ')}`);
      globals.logLevel = v as GlobalOptions['logLevel'];
    } else rest.push(a);
  }
  return { globals, rest };
}
