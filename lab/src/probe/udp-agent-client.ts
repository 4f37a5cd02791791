/** Drives a udp-agent process in a lab namespace (see udp-agent.ts for the protocol). */
import { ChildProcess } from 'child_process';
import { join } from 'path';
import { createInterface } from 'readline';
import { LabError } from '@pinhole/core';
import type { Lab } from '../lab';
import { LabNodeName } from '../types';

export const UDP_AGENT_SCRIPT = join(__dirname, 'udp-agent.js');

export interface RecvEvent {
  event: 'recv';
  address: string;
  port: number;
  size: number;
  data: string;
  /** Arrival time (performance.now() of the agent). */
  t: number;
}

export interface SendOptions {
  host: string;
  port: number;
  count?: number;
  /** Payload bytes when `data` is not given; 0 sends the null packet. */
  size?: number;
  data?: string;
  /** IP TTL for these datagrams only. */
  ttl?: number;
  /** Pace the sends to this offered load. */
  rateMbit?: number;
}

export interface AgentStats {
  count: number;
  bytes: number;
  firstMs: number;
  lastMs: number;
}

export interface AgentStartOptions {
  port?: number;
  bind?: string;
  /** Answer every datagram with the address and port it came from. */
  echo?: boolean;
  /** Count datagrams without reporting each one. */
  quiet?: boolean;
  startTimeoutMs?: number;
}

export class UdpAgent {
  /** Every datagram received so far (unless started quiet). */
  readonly received: RecvEvent[] = [];
  readonly errors: string[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, (e: Record<string, unknown>) => void>();
  private readonly watchers = new Set<() => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly node: LabNodeName,
    readonly port: number,
  ) {}

  static start(lab: Lab, node: LabNodeName, opts: AgentStartOptions = {}): Promise<UdpAgent> {
    const argv = [process.execPath, UDP_AGENT_SCRIPT, '--port', String(opts.port ?? 0), '--bind', opts.bind ?? '0.0.0.0'];
    if (opts.echo) argv.push('--echo');
    if (opts.quiet) argv.push('--quiet');
    const child = lab.exec(node, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdin!.on('error', () => undefined); // writes after the agent died surface via onExit
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    return new Promise((resolve, reject) => {
      let agent: UdpAgent | undefined;
      const timer = setTimeout(() => fail('no ready event'), opts.startTimeoutMs ?? 5000);
      function fail(why: string): void {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new LabError('E_LAB_PROBE', `UDP agent on ${node} failed to start: ${why}. ${stderr.trim()}`, { node }));
      }
      child.on('exit', (code) => {
        if (agent) agent.onExit(code);
        else fail(`exited with code ${code}`);
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let e: Record<string, unknown>;
        try {
          e = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        if (e.event === 'ready' && !agent) {
          clearTimeout(timer);
          agent = new UdpAgent(child, node, e.port as number);
          resolve(agent);
        } else agent?.onEvent(e);
      });
    });
  }

  /** Sends datagrams; resolves once they have been handed to the kernel. */
  async send(opts: SendOptions): Promise<void> {
    await this.command({ op: 'send', ...opts });
  }

  /** RTTs in ms of `count` request/echo exchanges with an echo agent, and how many got no answer. */
  async ping(host: string, port: number, count = 5, timeoutMs = 1000): Promise<{ rtts: number[]; lost: number }> {
    const r = await this.command({ op: 'ping', host, port, count, timeoutMs });
    return { rtts: r.rtts as number[], lost: r.lost as number };
  }

  async stats(reset = false): Promise<AgentStats> {
    return (await this.command({ op: 'stats', reset })) as unknown as AgentStats;
  }

  /** Resolves with the first received datagram (past or future) matching `pred`, or undefined after timeoutMs. */
  waitFor(pred: (e: RecvEvent) => boolean, timeoutMs = 2000): Promise<RecvEvent | undefined> {
    const hit = this.received.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => {
      const check = (): void => {
        const found = this.received.find(pred);
        if (found) done(found);
      };
      const done = (v: RecvEvent | undefined): void => {
        clearTimeout(timer);
        this.watchers.delete(check);
        resolve(v);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.watchers.add(check);
    });
  }

  close(): void {
    this.child.kill('SIGKILL');
  }

  private command(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (e) => (e.error ? reject(new LabError('E_LAB_PROBE', `UDP agent on ${this.node}: ${String(e.error)}`)) : resolve(e)));
      this.child.stdin!.write(JSON.stringify({ id, ...cmd }) + '\n');
    });
  }

  private onExit(code: number | null): void {
    for (const cb of this.waiting.values()) cb({ error: `agent exited (code ${code})` });
    this.waiting.clear();
  }

  private onEvent(e: Record<string, unknown>): void {
    if (e.event === 'recv') {
      this.received.push(e as unknown as RecvEvent);
      for (const w of [...this.watchers]) w();
    } else if (e.event === 'done') {
      const cb = this.waiting.get(e.id as number);
      this.waiting.delete(e.id as number);
      cb?.(e);
    } else if (e.event === 'error') {
      this.errors.push(String(e.message));
    }
  }
}
