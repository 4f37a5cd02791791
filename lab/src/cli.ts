/**
 * `pinhole lab …` subcommands. Exit codes: 0 ok, 1 a failure (the lab is not up, root or a tool is
 * missing, setup failed), 2 a usage error; `exec` passes the command's code through (130 when
 * it was interrupted: SIGINT and SIGTERM are forwarded to it).
 */
import { commandHelp, commandSynopsis, defineCommand, parseCommand, PinholeError, usageError } from '@pinhole/core';
import { Lab, labDown } from './lab';
import { DEFAULT_PREFIX } from './plan';
import { checkLabPrerequisites } from './prereq';
import { matrixTable, runMatrix } from './matrix';
import { signalNumber } from './shell';
import { LabNodeName, LabOptions, LabStatus, MATRIX_KINDS, SITE_KINDS, SiteKind } from './types';

type Out = (line: string) => void;

const NODES: LabNodeName[] = ['a', 'b', 'manager', 'ra', 'rb'];
const prefixOption = { prefix: { type: 'string' as const, arg: 'P', default: DEFAULT_PREFIX, description: 'namespace prefix of the lab (1–12 of a-z 0-9 -): several labs can be up at once' } };

export const LAB_SPECS = {
  up: defineCommand({
    name: 'lab up',
    summary: 'Builds two sites (a and b, each a host behind a router) and an internet with the manager, in Linux network namespaces with nftables firewalls/NATs and optional loss, rate limit and delay (root). Replaces a lab with the same prefix.',
    options: {
      a: { type: 'string', arg: 'KIND', required: true, description: 'site a: open | filter (stateful firewall) | nat (full-cone-ish NAT + firewall) | hardnat (symmetric NAT)' },
      b: { type: 'string', arg: 'KIND', required: true, description: 'site b, as --a' },
      loss: { type: 'string', arg: 'PERMILLE', defaultText: '0', description: 'random loss on each router, in ‰' },
      rate: { type: 'string', arg: 'MBIT', defaultText: 'unlimited', description: 'rate limit on each router, Mbit/s' },
      delay: { type: 'string', arg: 'MS', defaultText: '0', description: 'one-way delay on each WAN link (a delay line, compiled on first use: needs gcc)' },
      ipv6: { type: 'boolean', default: false, description: 'IPv6 on every link too (dual stack; routers filter IPv6 statefully, without NAT)' },
      turn: { type: 'boolean', default: false, description: 'run a coturn TURN server on the internet for relayed calls (needs coturn)' },
      ...prefixOption,
    },
  }),
  exec: defineCommand({
    name: 'lab exec',
    positionals: 'a|b|manager|ra|rb -- CMD [ARGS…]',
    minPositionals: 2,
    maxPositionals: Number.MAX_SAFE_INTEGER,
    summary: 'Runs CMD in a node\'s namespace with this terminal; its exit code is ours. SIGINT and SIGTERM are forwarded to it, so it never outlives us in the namespace.',
    options: { ...prefixOption },
  }),
  status: defineCommand({ name: 'lab status', summary: 'Says whether the lab is up (exit 0) or not (exit 1), its options, nodes and delay-line processes, and any problem found.', options: { ...prefixOption } }),
  matrix: defineCommand({
    name: 'lab matrix',
    summary: 'Calls every ordered pair of site kinds through real firewalls and NATs (a lab per pair) and prints a table of connected calls, paths and setup times; exit 1 unless every call connected. The lab advertises a coturn relay unless --no-turn.',
    options: {
      trials: { type: 'string', arg: 'N', default: '5', description: 'calls per pair (1..1000)' },
      kinds: { type: 'string', arg: 'K,K…', defaultText: MATRIX_KINDS.join(','), description: `site kinds to pair (${SITE_KINDS.join(', ')})` },
      'no-turn': { type: 'boolean', default: false, description: 'no TURN relay: pairs no direct path serves fail (the negative control)' },
      config: { type: 'string', arg: 'FILE', description: 'a Pinhole config for the peers and manager' },
      ...prefixOption,
    },
  }),
  down: defineCommand({ name: 'lab down', summary: 'Removes the lab\'s namespaces, delay lines and state (also what a crashed run left behind). Idempotent.', options: { ...prefixOption } }),
};

/** `pinhole lab` without a subcommand: the list (its manifest usage is the first line). */
export const LAB_USAGE = `lab up|exec|status|down|matrix (pinhole lab SUBCOMMAND --help)`;

const LAB_HELP = [
  `usage: pinhole ${LAB_USAGE}`,
  '',
  'Two sites behind real firewalls or NATs and an internet between them, in Linux network namespaces (root; see lab/README.md):',
  ...Object.values(LAB_SPECS).map((s) => `  pinhole ${commandSynopsis(s)}`),
  '',
  'Exit codes: 0 ok, 1 a failure (not root, a tool missing, the lab not up), 2 a usage error; exec passes its command\'s code through.',
].join('\n');

export async function runLabCli(argv: string[], out: Out, json: boolean): Promise<number> {
  const emit = (event: string, body: Record<string, unknown>, text: string[]): void => {
    if (json) out(JSON.stringify({ event, ...body }));
    else text.forEach((l) => out(l));
  };
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    out(LAB_HELP);
    return sub === undefined ? 2 : 0;
  }
  const spec = LAB_SPECS[sub as keyof typeof LAB_SPECS];
  if (!spec) throw usageError('lab', `unknown lab command "${sub}" (up, exec, status, down, matrix)`);
  const flags = rest.indexOf('--') < 0 ? rest : rest.slice(0, rest.indexOf('--'));
  if (flags.includes('--help') || flags.includes('-h')) {
    out(commandHelp(spec));
    return 0;
  }
  try {
    switch (sub) {
      case 'up':
        return await up(rest, emit);
      case 'exec':
        return await exec(rest, emit);
      case 'status':
        return await status(rest, emit);
      case 'down':
        return await down(rest, emit);
      default:
        return await matrix(rest, emit);
    }
  } catch (err) {
    // Options the lab itself refuses (a bad kind, loss out of range …) are usage faults too.
    if (err instanceof PinholeError && err.code === 'E_LAB_OPTIONS') throw usageError(`lab ${sub}`, err.message);
    throw err;
  }
}

type Emit = (event: string, body: Record<string, unknown>, text: string[]) => void;

/** Refuses with what is missing (and which Debian package provides it). */
function requirePrerequisites(delayMs = 0, turn = false): void {
  const pre = checkLabPrerequisites({ delayMs, turn });
  if (!pre.ok) throw new PinholeError('E_LAB_PREREQUISITES', `the lab cannot run here; missing: ${pre.missing.join('; ')}`, { missing: pre.missing });
}

function number(command: string, name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw usageError(command, `--${name} needs a number, got "${v}"`);
  return n;
}

async function up(args: string[], emit: Emit): Promise<number> {
  const { values } = parseCommand(LAB_SPECS.up, args);
  const opts: LabOptions = {
    a: values.a as SiteKind,
    b: values.b as SiteKind,
    loss: number('lab up', 'loss', values.loss),
    rateMbit: number('lab up', 'rate', values.rate),
    delayMs: number('lab up', 'delay', values.delay),
    prefix: values.prefix,
    ipv6: values.ipv6,
    turn: values.turn,
  };
  requirePrerequisites(opts.delayMs, opts.turn);
  const t0 = Date.now();
  const lab = await Lab.up(opts);
  const ms = Date.now() - t0;
  const o = lab.options;
  emit('lab.up', { prefix: lab.prefix, options: o, nodes: lab.nodes, pids: lab.pids, ...(lab.turn ? { turn: lab.turn } : {}), ms }, [
    `lab "${lab.prefix}" up in ${ms} ms: a=${o.a} b=${o.b} loss=${o.loss}‰ rate=${o.rateMbit ? `${o.rateMbit} Mbit/s` : 'unlimited'} delay=${o.delayMs} ms${o.ipv6 ? ' ipv6' : ''}`,
    ...nodeLines(lab.nodes),
    ...(lab.turn ? [turnLine(lab.turn)] : []),
  ]);
  return 0;
}

async function exec(args: string[], emit: Emit): Promise<number> {
  const dash = args.indexOf('--');
  const { values, positionals } = parseCommand({ ...LAB_SPECS.exec, minPositionals: 0 }, dash >= 0 ? args.slice(0, dash) : args);
  const node = positionals[0];
  if (!NODES.includes(node as LabNodeName)) throw usageError('lab exec', `a node is needed (${NODES.join(', ')}), got ${JSON.stringify(node ?? '')}`);
  const cmd = dash >= 0 ? [...positionals.slice(1), ...args.slice(dash + 1)] : positionals.slice(1);
  if (cmd.length === 0) throw usageError('lab exec', 'a command is needed after --');
  requirePrerequisites();
  const lab = await Lab.attach(values.prefix);
  const child = lab.exec(node as LabNodeName, cmd, { stdio: 'inherit' });
  // `ip netns exec` execs the command itself: forwarding our signals stops it, never orphans it in the namespace.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (c, signal) => resolve(c ?? 128 + signalNumber(signal)));
  }).finally(() => {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  });
  emit('lab.exec.exit', { node, command: cmd, code }, []); // text mode: the command's output says it all
  return code;
}

async function status(args: string[], emit: Emit): Promise<number> {
  const { values } = parseCommand(LAB_SPECS.status, args);
  const st: LabStatus = await Lab.status(values.prefix);
  const o = st.options;
  emit('lab.status', { prefix: values.prefix, ...st }, [
    `lab "${values.prefix}": ${st.up ? 'up' : 'down'}${o ? ` (a=${o.a} b=${o.b} loss=${o.loss ?? 0}‰ rate=${o.rateMbit || 'unlimited'} delay=${o.delayMs ?? 0} ms)` : ''}`,
    ...(st.nodes ? nodeLines(st.nodes) : []),
    ...(st.pids?.length ? [`  helpers (delay lines, coturn): pids ${st.pids.join(', ')}`] : []),
    ...(st.turn ? [turnLine(st.turn)] : []),
    ...(st.problems ?? []).map((p) => `  problem: ${p}`),
  ]);
  return st.up ? 0 : 1;
}

async function down(args: string[], emit: Emit): Promise<number> {
  const { values } = parseCommand(LAB_SPECS.down, args);
  requirePrerequisites();
  await labDown(values.prefix);
  emit('lab.down', { prefix: values.prefix }, [`lab "${values.prefix}" down`]);
  return 0;
}

function nodeLines(nodes: Record<string, { ns: string; address: string; address6?: string }>): string[] {
  return Object.entries(nodes).map(([name, n]) => `  ${name.padEnd(8)} ${n.ns.padEnd(16)} ${n.address}${n.address6 ? `  ${n.address6}` : ''}`);
}

function turnLine(t: { address: string; port: number; tlsPort: number; secret: string; certFile: string }): string {
  return `  turn     turn:${t.address}:${t.port} (udp, tcp), turns:${t.address}:${t.tlsPort}; secret ${t.secret}; certificate ${t.certFile}`;
}

async function matrix(args: string[], emit: Emit): Promise<number> {
  const { values } = parseCommand(LAB_SPECS.matrix, args);
  const turn = !values['no-turn'];
  const trials = number('lab matrix', 'trials', values.trials)!;
  if (!Number.isInteger(trials) || trials < 1 || trials > 1000) throw usageError('lab matrix', `--trials needs an integer 1..1000, got ${values.trials}`);
  const kinds = values.kinds ? (values.kinds.split(',') as SiteKind[]) : undefined;
  for (const k of kinds ?? []) if (!SITE_KINDS.includes(k)) throw usageError('lab matrix', `--kinds: unknown kind "${k}" (${SITE_KINDS.join(', ')})`);
  requirePrerequisites(0, turn);
  const t0 = Date.now();
  const results = await runMatrix({ trials, kinds, prefix: values.prefix, config: values.config, turn }, (r) => emit('lab.matrix.pair', { ...r }, [matrixTable([r])[1]]));
  const allOk = results.every((r) => r.ok === r.trials);
  emit('lab.matrix', { trials, pairs: results.length, allOk, ms: Date.now() - t0 }, ['', ...matrixTable(results)]);
  return allOk ? 0 : 1; // a report, but scripts can tell whether every call connected
}
