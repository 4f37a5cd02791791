import { execFile, spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';

const run = promisify(execFile);

/** Why redis-server cannot be used here, or undefined when it can. */
export function redisMissing(): string | undefined {
  for (const bin of ['redis-server', 'redis-cli'])
    if (spawnSync(bin, ['--version'], { stdio: 'ignore' }).error) return `${bin} is not installed (apt-get install redis-server redis-tools; .ci/run does)`;
  return undefined;
}

/**
 * For a `before` hook: skips with the reason when redis is missing, except under CI, where
 * the suite must really run (.ci/run installs it), so a missing binary fails loudly.
 */
export function needRedis(ctx: Mocha.Context, what: string): void {
  const missing = redisMissing();
  if (!missing) return;
  if (process.env.CI) throw new Error(`${what} needs redis-server under CI: ${missing}`);
  console.log(`      skipping ${what}: ${missing}`);
  ctx.skip();
}

/** A free TCP port on loopback (and its cluster bus port, port + 10000, when asked). */
export async function freePort(withBus = false): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = withBus ? 20000 + Math.floor(Math.random() * 35000) : await ephemeral();
    if ((await isFree(port)) && (!withBus || (await isFree(port + 10000)))) return port;
  }
  throw new Error('no free port found for redis-server');
}

function ephemeral(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stops it (SIGTERM: an append-only file is flushed) and waits for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder (its data back when persist was on). */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: the process keeps its sockets but answers nothing (a hung server). */
  pause(): void;
  resume(): void;
  /** Stops it for good and removes its folder. */
  destroy(): Promise<void>;
}

/** A real redis-server on a random loopback port in a temp folder; persist = append-only file. */
export async function startRedis(opts: { persist?: boolean; port?: number; dir?: string; args?: string[] } = {}): Promise<RedisServer> {
  const port = opts.port ?? (await freePort(!!opts.args?.includes('--cluster-enabled')));
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-redis-'));
  let child: ChildProcess | undefined;
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', opts.persist ? 'yes' : 'no',
    '--daemonize', 'no', '--protected-mode', 'no', '--logfile', '', ...(opts.args ?? []),
  ];
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async start() {
      const c = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      await new Promise<void>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`redis-server on ${port} not ready within 10 s:\n${out}`)), 10_000);
        c.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (/Ready to accept connections/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
        c.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`redis-server on ${port} exited with ${code}:\n${out}`));
        });
      });
      c.stdout!.resume();
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      c.kill('SIGCONT');
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async destroy() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

export interface RedisCluster {
  /** HOST:PORT of each master (the `nodes` option). */
  readonly nodes: string[];
  readonly servers: RedisServer[];
  destroy(): Promise<void>;
}

/** `masters` redis-servers with --cluster-enabled, joined by `redis-cli --cluster create`, waited on until the cluster is ok. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const servers: RedisServer[] = [];
  try {
    for (let i = 0; i < masters; i++)
      servers.push(await startRedis({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] }));
    const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    const deadline = Date.now() + 20_000;
    for (const s of servers) {
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', String(s.port), 'cluster', 'info']);
        if (/cluster_state:ok/.test(stdout) && /cluster_known_nodes:(\d+)/.exec(stdout)?.[1] === String(masters)) break;
        if (Date.now() > deadline) throw new Error(`cluster not ok on ${s.port}:\n${stdout}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { nodes, servers, destroy: async () => void (await Promise.all(servers.map((s) => s.destroy()))) };
  } catch (err) {
    await Promise.all(servers.map((s) => s.destroy()));
    throw err;
  }
}
