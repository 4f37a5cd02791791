/** The Lab handle: bring a lab up, find one another process brought up, run things in it, take it down. */
import { ChildProcess, spawn, StdioOptions } from 'child_process';
import { LabError } from '@pinhole/core';
import { buildLab, teardownLab } from './build';
import { isAlive, existingNamespaces } from './netns';
import { COUNTERS, NFT_TABLE, setLossScript } from './nft';
import { DEFAULT_PREFIX, checkPrefix, namespacesFor, normalizeOptions, planLab } from './plan';
import { checkLabPrerequisites, toolEnv } from './prereq';
import { run, RunResult } from './shell';
import { LabState, readState, stateFile, writeState } from './state';
import { LabNodeName, LabNodes, LabOptions, LabRouterName, LabStatus, LabTurn } from './types';

export interface LabExecOptions {
  stdio?: StdioOptions;
  /** Merged over the caller's environment. */
  env?: NodeJS.ProcessEnv;
}

/** The internet namespace's table that cuts the direct path between the sites (Lab.cutDirect). */
const CUT_TABLE = 'pinhole_cut';

export class Lab {
  private constructor(
    readonly prefix: string,
    private opts: Required<LabOptions>,
    readonly nodes: LabNodes,
    readonly pids: number[],
    /** The TURN server, when the lab was brought up with `turn`. */
    readonly turn?: LabTurn,
  ) {}

  get options(): Required<LabOptions> {
    return this.opts;
  }

  /** Tears down any lab with the same prefix, then builds a new one. On failure cleans up and throws LabError. */
  static async up(opts: LabOptions): Promise<Lab> {
    const options = normalizeOptions(opts);
    assertPrerequisites(options.delayMs, options.turn);
    const plan = planLab(options);
    await teardownLab(plan.prefix);
    let built: { pids: number[]; turn?: LabTurn };
    try {
      built = await buildLab(plan);
    } catch (err) {
      await teardownLab(plan.prefix).catch(() => undefined);
      if (err instanceof LabError) throw err;
      throw new LabError('E_LAB_SETUP', `Lab setup failed: ${(err as Error).message}`, { prefix: plan.prefix }, { cause: err });
    }
    const state: LabState = { version: 1, prefix: plan.prefix, options, nodes: plan.nodes, pids: built.pids, ...(built.turn ? { turn: built.turn } : {}), createdAt: new Date().toISOString() };
    writeState(state);
    return new Lab(plan.prefix, options, plan.nodes, built.pids, built.turn);
  }

  /** Handle on a lab brought up by any process (reads the persisted state). */
  static async attach(prefix = DEFAULT_PREFIX): Promise<Lab> {
    checkPrefix(prefix);
    const state = readState(prefix);
    if (!state) {
      throw new LabError('E_LAB_NOT_UP', `No lab with prefix "${prefix}" is up (no ${stateFile(prefix)}). Start one with \`pinhole lab up --a KIND --b KIND\`.`, { prefix });
    }
    const problems = findProblems(state);
    if (problems.length) {
      throw new LabError('E_LAB_NOT_UP', `Lab "${prefix}" is broken: ${problems.join('; ')}. Recreate it with \`pinhole lab up\` (it cleans up first).`, { prefix, problems });
    }
    return new Lab(state.prefix, state.options, state.nodes, state.pids, state.turn);
  }

  static async status(prefix = DEFAULT_PREFIX): Promise<LabStatus> {
    checkPrefix(prefix);
    const state = readState(prefix);
    if (!state) {
      const leftovers = namespacesFor(prefix).filter((n) => existingNamespaces().has(n));
      return leftovers.length ? { up: false, problems: [`leftover namespaces without state: ${leftovers.join(', ')}`] } : { up: false };
    }
    const problems = findProblems(state);
    return { up: problems.length === 0, options: state.options, nodes: state.nodes, pids: state.pids, ...(state.turn ? { turn: state.turn } : {}), ...(problems.length ? { problems } : {}) };
  }

  /**
   * Cuts (or restores) the direct path between the two sites: the internet drops UDP passing from
   * one site to the other, both ways — bridged between the sites' ports, or routed (the only
   * traffic the internet forwards is between the sites) — while the manager and the TURN server
   * (local to the internet namespace) stay reachable: a network where only a relay gets through.
   */
  async cutDirect(cut: boolean): Promise<void> {
    if (!cut) {
      for (const family of ['bridge', 'inet']) await this.run('manager', ['nft', 'delete', 'table', family, CUT_TABLE]);
      return;
    }
    const { a, b } = planLab(this.options).sites;
    // Frames between the NATed sites' WAN ports are bridged; packets to a routed (open, filter) LAN or over IPv6 are forwarded.
    const rules = [
      `table bridge ${CUT_TABLE} {`,
      '  chain forward {',
      '    type filter hook forward priority -10; policy accept;',
      `    iifname "${a.inetDev}" oifname "${b.inetDev}" meta l4proto udp drop`,
      `    iifname "${b.inetDev}" oifname "${a.inetDev}" meta l4proto udp drop`,
      '  }',
      '}',
      `table inet ${CUT_TABLE} {`,
      '  chain forward {',
      '    type filter hook forward priority -10; policy accept;',
      '    meta l4proto udp drop',
      '  }',
      '}',
      '',
    ].join('\n');
    const res = await this.run('manager', ['nft', '-f', '-'], { input: rules });
    if (res.code !== 0) throw new LabError('E_LAB_SETUP', `could not cut the direct path: ${res.stderr.trim()}`, { prefix: this.prefix });
  }

  /** Spawns `ip netns exec <ns> argv…` (stdio defaults to pipes). */
  exec(node: LabNodeName, argv: string[], opts: LabExecOptions = {}): ChildProcess {
    if (argv.length === 0) throw new LabError('E_LAB_USAGE', 'Lab.exec needs a command to run');
    return spawn('ip', ['netns', 'exec', this.ns(node), ...argv], { stdio: opts.stdio ?? 'pipe', env: toolEnv(opts.env) });
  }

  /** Runs argv in the node's namespace and collects its output. */
  async run(node: LabNodeName, argv: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
    return run(['ip', 'netns', 'exec', this.ns(node), ...argv], opts);
  }

  /** Packet counts of the router's named nft counters (fwd_drop, in_drop, loss_drop). */
  async counters(router: LabRouterName): Promise<Record<string, number>> {
    const out: Record<string, number> = Object.fromEntries(COUNTERS.map((c) => [c, 0]));
    // With IPv6 the ip6 table has the same counters; the figures are the sum over both families.
    for (const family of this.options.ipv6 ? ['ip', 'ip6'] : ['ip']) {
      const res = await this.run(router, ['nft', '-j', 'list', 'counters', 'table', family, NFT_TABLE]);
      if (res.code !== 0) throw new LabError('E_LAB_NOT_UP', `Cannot read counters of ${router}: ${res.stderr.trim()}`, { router });
      for (const item of JSON.parse(res.stdout).nftables as Array<{ counter?: { name: string; packets: number } }>) {
        if (item.counter) out[item.counter.name] += item.counter.packets;
      }
    }
    return out;
  }

  /** The router's conntrack table (`conntrack -L` lines), e.g. to show an entry was or was not created. */
  async conntrack(router: LabRouterName): Promise<string[]> {
    const res = await this.run(router, ['conntrack', '-L']);
    if (res.code !== 0) throw new LabError('E_LAB_NOT_UP', `Cannot list conntrack of ${router}: ${res.stderr.trim()}`, { router });
    return res.stdout.split('\n').filter(Boolean);
  }

  /**
   * Changes the loss on both routers in place: flows, NAT mappings and firewall windows survive,
   * so one lab can measure a path with and without loss (e.g. the lossless ceiling first).
   */
  async setLoss(perMille: number): Promise<void> {
    const options = normalizeOptions({ ...this.opts, loss: perMille });
    for (const router of ['ra', 'rb'] as const) {
      const chain = await this.run(router, ['nft', '-a', '-j', 'list', 'chain', 'ip', NFT_TABLE, 'forward']);
      if (chain.code !== 0) throw new LabError('E_LAB_NOT_UP', `Cannot read the forward chain of ${router}: ${chain.stderr.trim()}`, { router });
      const res = await this.run(router, ['nft', '-f', '-'], { input: setLossScript(chain.stdout, perMille) });
      if (res.code !== 0) throw new LabError('E_LAB_SETUP', `Cannot set the loss on ${router}: ${res.stderr.trim()}`, { router });
    }
    this.opts = options;
    const state = readState(this.prefix);
    if (state) writeState({ ...state, options });
  }

  /** Kills the lab's processes and deletes its namespaces and state. Idempotent. */
  async down(): Promise<void> {
    await teardownLab(this.prefix);
  }

  private ns(node: LabNodeName): string {
    const info = this.nodes[node];
    if (!info) throw new LabError('E_LAB_USAGE', `Unknown lab node "${node}"; use one of ${Object.keys(this.nodes).join(', ')}`);
    return info.ns;
  }
}

/** Tears down whatever a lab with this prefix left behind, with or without a Lab handle. */
export async function labDown(prefix = DEFAULT_PREFIX): Promise<void> {
  checkPrefix(prefix);
  await teardownLab(prefix);
}

function findProblems(state: LabState): string[] {
  const have = existingNamespaces();
  const problems = planLab(state.options)
    .namespaces.filter((n) => !have.has(n))
    .map((n) => `namespace ${n} missing`);
  for (const pid of state.pids) if (!isAlive(pid)) problems.push(`helper pid ${pid} (delay line or coturn) not running`);
  return problems;
}

function assertPrerequisites(delayMs: number, turn = false): void {
  const pre = checkLabPrerequisites({ delayMs, turn });
  if (pre.ok) return;
  const code = pre.missing.some((m) => m.startsWith('root')) ? 'E_LAB_NOT_ROOT' : 'E_LAB_MISSING_TOOL';
  throw new LabError(code, `The lab cannot run here:\n  ${pre.missing.join('\n  ')}`, { missing: pre.missing });
}
