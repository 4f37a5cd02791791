/**
 * `pinhole lab matrix`: every ordered pair of site kinds, one lab each, with the manager in the
 * internet (advertising the lab's coturn unless `turn` is off), `pinhole peer` on b and N
 * back-to-back `pinhole call`s from a. Reports per pair the successes, median and p95 setup
 * time (call.ready setupMs), and which path/strategy carried it.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { Lab } from './lab';
import { NdjsonProc } from './ndjson-proc';
import { MANAGER_ADDRESS, MANAGER_ALT_ADDRESS } from './plan';
import { MATRIX_KINDS, type SiteKind } from './types';

export interface MatrixOptions {
  trials: number;
  kinds?: readonly SiteKind[];
  prefix: string;
  /** A pinhole.config.json for every process (e.g. to switch strategies off). */
  config?: string;
  /** Whole budget of one call process. */
  callTimeoutMs?: number;
  /** Bring each lab up with its TURN server, which the manager advertises (the relay strategy's path). */
  turn?: boolean;
}

export interface PairResult {
  a: SiteKind;
  b: SiteKind;
  trials: number;
  ok: number;
  medianMs?: number;
  p95Ms?: number;
  /** "direct" / "relay" → count, and the strategies that won. */
  paths: Record<string, number>;
  strategies: Record<string, number>;
  /** Failure code → count. */
  failures: Record<string, number>;
  /** Why the pair's processes did not start (its remaining calls count as E_PAIR_SETUP). */
  error?: string;
}

const PINHOLE_BIN = join(dirname(require.resolve('@pinhole/core/package.json')), 'bin', 'pinhole.js');
const MANAGER = `${MANAGER_ADDRESS}:8080`;

/** The q-quantile (nearest rank) of the values; undefined for none. */
export function quantile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

const bump = (o: Record<string, number>, k: string) => void (o[k] = (o[k] ?? 0) + 1);

export async function runMatrix(o: MatrixOptions, onPair: (r: PairResult) => void = () => {}): Promise<PairResult[]> {
  const kinds = o.kinds ?? MATRIX_KINDS;
  const results: PairResult[] = [];
  for (const a of kinds)
    for (const b of kinds) {
      const r = await runPair(a, b, o);
      results.push(r);
      onPair(r);
    }
  return results;
}

async function runPair(a: SiteKind, b: SiteKind, o: MatrixOptions): Promise<PairResult> {
  const lab = await Lab.up({ a, b, prefix: o.prefix, turn: o.turn });
  const cfg = o.config ? ['--config', o.config] : [];
  // Throw-away keys, pins and manager certificate for this pair, never the user's own.
  const home = mkdtempSync(join(tmpdir(), 'pinhole-matrix-'));
  const keys = (id: string) => ['--identity', join(home, `${id}.pem`), '--known-peers', join(home, `${id}.known_peers`)];
  const procs: NdjsonProc[] = [];
  const start = (node: 'a' | 'b' | 'manager', args: string[]) => {
    const p = new NdjsonProc(lab.exec(node, [process.execPath, PINHOLE_BIN, ...args, ...cfg, '--json'], { env: { PINHOLE_HOME: home } }));
    procs.push(p);
    return p;
  };
  const result: PairResult = { a, b, trials: o.trials, ok: 0, paths: {}, strategies: {}, failures: {} };
  const setups: number[] = [];
  try {
    await start('manager', ['manager', '--listen', MANAGER, '--udp', `${MANAGER_ADDRESS}:3478`, '--stun-alt', `${MANAGER_ALT_ADDRESS}:3479`, ...turnArgs(lab)]).waitFor('manager.ready', 10000);
    await start('b', ['peer', '--id', 'bob', '--manager', MANAGER, '--udp-port', '40000', '--allow-any', ...keys('bob')]).waitFor('peer.registered', 10000);
    for (let i = 0; i < o.trials; i++) {
      const call = start('a', ['call', 'bob', '--id', 'alice', '--manager', MANAGER, '--udp-port', '40000', '--pings', '1', ...keys('alice')]);
      const code = await Promise.race([call.exited, new Promise<number>((r) => setTimeout(() => r(-2), o.callTimeoutMs ?? 30000))]);
      if (code === -2) await call.stop();
      const ready = call.events.find((e) => e.event === 'call.ready');
      const failed = call.events.find((e) => e.event === 'call.failed');
      if (code === 0 && ready) {
        result.ok++;
        setups.push(Number(ready.setupMs));
        bump(result.paths, String(ready.path));
        bump(result.strategies, String(ready.strategy));
      } else {
        bump(result.failures, code === -2 ? 'E_HANG' : String(failed?.code ?? `exit ${code}`));
      }
    }
  } catch (err) {
    // A pair whose manager or peer did not start is reported (its calls did not happen), and the matrix goes on.
    result.failures.E_PAIR_SETUP = o.trials - result.ok - Object.values(result.failures).reduce((n, v) => n + v, 0);
    result.error = (err as Error).message;
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await lab.down();
    rmSync(home, { recursive: true, force: true });
  }
  result.medianMs = quantile(setups, 0.5);
  result.p95Ms = quantile(setups, 0.95);
  return result;
}

/** `pinhole manager` flags advertising the lab's coturn (UDP and TCP on one port, TLS on another), if it has one. */
export function turnArgs(lab: Lab): string[] {
  const t = lab.turn;
  if (!t) return [];
  return ['--turn', `turn:${t.address}:${t.port}`, '--turn', `turns:${t.address}:${t.tlsPort}`, `--turn-secret=${t.secret}`, '--turn-ca', t.certFile];
}

/** The text table: one line per pair. */
export function matrixTable(results: PairResult[]): string[] {
  const ms = (v?: number) => (v === undefined ? '—' : `${Math.round(v)} ms`);
  const count = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k}×${v}`).join(' ') || '—';
  return [
    `${'a × b'.padEnd(20)} ${'success'.padEnd(9)} ${'median'.padEnd(9)} ${'p95'.padEnd(9)} path (strategy)          failures`,
    ...results.map(
      (r) =>
        `${`${r.a} × ${r.b}`.padEnd(20)} ${`${r.ok}/${r.trials}`.padEnd(9)} ${ms(r.medianMs).padEnd(9)} ${ms(r.p95Ms).padEnd(9)} ${`${count(r.paths)} (${count(r.strategies)})`.padEnd(24)} ${count(r.failures)}`,
    ),
  ];
}
