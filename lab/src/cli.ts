/**
 * `pinhole lab …` subcommands. Exit codes: 0 ok, 1 lab error (or status: not up),
 * 2 prerequisites missing (root/tools), 64 usage error; `exec` passes the command's code through.
 */
import { spawn } from 'child_process';
import { parseArgs } from 'util';
import { PinholeError } from '@pinhole/core';
import { Lab, labDown } from './lab';
import { DEFAULT_PREFIX } from './plan';
import { checkLabPrerequisites } from './prereq';
import { matrixTable, runMatrix } from './matrix';
import { signalNumber } from './shell';
import { LabNodeName, LabOptions, LabStatus, MATRIX_KINDS, SITE_KINDS, SiteKind } from './types';

type Out = (line: string) => void;

const USAGE = `Usage:
  pinhole lab up --a KIND --b KIND [--loss PERMILLE] [--rate MBIT] [--delay MS] [--ipv6] [--turn] [--prefix P]
  pinhole lab exec a|b|manager|ra|rb [--prefix P] -- CMD [ARGS…]
  pinhole lab status [--prefix P]
  pinhole lab down [--prefix P]
  pinhole lab matrix [--trials N] [--kinds K,K…] [--no-turn] [--config FILE] [--prefix P]
KIND: ${SITE_KINDS.join(' | ')} (matrix default: ${MATRIX_KINDS.join(', ')})`;

const NODES: LabNodeName[] = ['a', 'b', 'manager', 'ra', 'rb'];

class UsageError extends Error {}

export async function runLabCli(argv: string[], out: Out, json: boolean): Promise<number> {
  const emit = (event: string, body: Record<string, unknown>, text: string[]): void => {
    if (json) out(JSON.stringify({ event, ...body }));
    else text.forEach((l) => out(l));
  };
  const [sub, ...rest] = argv;
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
      case 'matrix':
        return await matrix(rest, emit);
      case undefined:
      case 'help':
      case '--help':
        emit('lab.usage', { usage: USAGE }, USAGE.split('\n'));
        return sub ? 0 : 64;
      default:
        throw new UsageError(`unknown lab command "${sub}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      emit('lab.error', { code: 'E_LAB_USAGE', message: (err as Error).message, usage: USAGE }, [`error: ${(err as Error).message}`, USAGE]);
      return 64;
    }
    if (err instanceof PinholeError) {
      emit('lab.error', err.toJSON(), [`error ${err.code}: ${err.message}`]);
      return err.code === 'E_LAB_NOT_ROOT' || err.code === 'E_LAB_MISSING_TOOL' ? 2 : err.code === 'E_LAB_OPTIONS' ? 64 : 1;
    }
    throw err;
  }
}

type Emit = (event: string, body: Record<string, unknown>, text: string[]) => void;

/** Prints what is missing (and which Debian package provides it); returns false if anything is. */
function prerequisitesOk(emit: Emit, delayMs = 0, turn = false): boolean {
  const pre = checkLabPrerequisites({ delayMs, turn });
  if (pre.ok) return true;
  emit('lab.error', { code: 'E_LAB_PREREQUISITES', missing: pre.missing }, ['The lab cannot run here; missing:', ...pre.missing.map((m) => `  ${m}`)]);
  return false;
}

const prefixOption = { prefix: { type: 'string' as const, default: DEFAULT_PREFIX } };

function number(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} needs a number, got "${v}"`);
  return n;
}

async function up(args: string[], emit: Emit): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      a: { type: 'string' },
      b: { type: 'string' },
      loss: { type: 'string' },
      rate: { type: 'string' },
      delay: { type: 'string' },
      ipv6: { type: 'boolean', default: false },
      turn: { type: 'boolean', default: false },
      ...prefixOption,
    },
  });
  if (!values.a || !values.b) throw new UsageError('lab up needs --a KIND and --b KIND');
  const opts: LabOptions = {
    a: values.a as SiteKind,
    b: values.b as SiteKind,
    loss: number('loss', values.loss),
    rateMbit: number('rate', values.rate),
    delayMs: number('delay', values.delay),
    prefix: values.prefix,
    ipv6: values.ipv6,
    turn: values.turn,
  };
  if (!prerequisitesOk(emit, opts.delayMs, opts.turn)) return 2;
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
  const { values, positionals } = parseArgs({ args: dash >= 0 ? args.slice(0, dash) : args, options: prefixOption, allowPositionals: true });
  const [node, ...cmdBeforeDash] = positionals;
  const cmd = dash >= 0 ? [...cmdBeforeDash, ...args.slice(dash + 1)] : cmdBeforeDash;
  if (!NODES.includes(node as LabNodeName)) throw new UsageError(`lab exec needs a node (${NODES.join(', ')}), got ${JSON.stringify(node ?? '')}`);
  if (cmd.length === 0) throw new UsageError('lab exec needs a command after --');
  if (!prerequisitesOk(emit)) return 2;
  const lab = await Lab.attach(values.prefix);
  const child = lab.exec(node as LabNodeName, cmd, { stdio: 'inherit' });
  const code = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (c, signal) => resolve(c ?? 128 + signalNumber(signal)));
  });
  emit('lab.exec.exit', { node, command: cmd, code }, []); // text mode: the command's output says it all
  return code;
}

async function status(args: string[], emit: Emit): Promise<number> {
  const { values } = parseArgs({ args, options: prefixOption });
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
  const { values } = parseArgs({ args, options: prefixOption });
  if (!prerequisitesOk(emit)) return 2;
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
  const { values } = parseArgs({
    args,
    options: { trials: { type: 'string', default: '5' }, kinds: { type: 'string' }, 'no-turn': { type: 'boolean', default: false }, config: { type: 'string' }, ...prefixOption },
  });
  const turn = !values['no-turn'];
  const trials = number('trials', values.trials)!;
  if (!Number.isInteger(trials) || trials < 1 || trials > 1000) throw new UsageError(`--trials needs an integer 1..1000, got ${values.trials}`);
  const kinds = values.kinds ? (values.kinds.split(',') as SiteKind[]) : undefined;
  for (const k of kinds ?? []) if (!SITE_KINDS.includes(k)) throw new UsageError(`--kinds: unknown kind "${k}" (${SITE_KINDS.join(', ')})`);
  if (!prerequisitesOk(emit, 0, turn)) return 2;
  const t0 = Date.now();
  const results = await runMatrix({ trials, kinds, prefix: values.prefix, config: values.config, turn }, (r) => emit('lab.matrix.pair', { ...r }, [matrixTable([r])[1]]));
  const allOk = results.every((r) => r.ok === r.trials);
  emit('lab.matrix', { trials, pairs: results.length, allOk, ms: Date.now() - t0 }, ['', ...matrixTable(results)]);
  return allOk ? 0 : 1; // a report, but scripts can tell whether every call connected
}
