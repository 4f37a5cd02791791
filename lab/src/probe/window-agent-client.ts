/** Drives window-agent processes in lab sites (see window-agent.ts for the protocol). */
import { join } from 'path';
import type { NatInfo } from '@pinhole/core';
import type { Lab } from '../lab';
import { NdjsonProc } from '../ndjson-proc';

export const WINDOW_AGENT_SCRIPT = join(__dirname, 'window-agent.js');

export type WindowEvent = Record<string, unknown> & { callId: string; ok: boolean; ms: number };

export interface WindowAgentOptions {
  /** Media socket port (default 40000). */
  port?: number;
  /** The STUN server to classify against (a manager with an alternate address, for full results). */
  stun: string;
  /** A pinhole config object for the agent's host (e.g. to switch strategies off). */
  config?: object;
}

export class WindowAgent {
  private constructor(
    readonly proc: NdjsonProc,
    readonly nat: NatInfo,
    readonly candidates: unknown[],
  ) {}

  /** Starts the agent in `node` and waits until it classified its NAT. */
  static async start(lab: Lab, node: 'a' | 'b', o: WindowAgentOptions): Promise<WindowAgent> {
    const argv = [process.execPath, WINDOW_AGENT_SCRIPT, '--port', String(o.port ?? 40000), '--stun', o.stun, '--config', JSON.stringify(o.config ?? {})];
    const proc = new NdjsonProc(lab.exec(node, argv, { stdio: ['pipe', 'pipe', 'pipe'] }));
    const ready = await proc.waitFor('ready', 15000);
    return new WindowAgent(proc, ready.nat as NatInfo, ready.candidates as unknown[]);
  }

  /** Runs openWindow in the agent; resolves with its `window` event. */
  window(cmd: { role: 'caller' | 'callee'; callId: string; local: number; remote: number; peer: WindowAgent; holdMs?: number }, timeoutMs = 20000): Promise<WindowEvent> {
    const { peer, ...rest } = cmd;
    this.proc.child.stdin!.write(JSON.stringify({ op: 'window', ...rest, remoteCandidates: peer.candidates, remoteNat: peer.nat }) + '\n');
    return this.next('window', cmd.callId, timeoutMs);
  }

  /** The event `name` for callId, once it is there. */
  next(name: string, callId: string, timeoutMs: number): Promise<WindowEvent> {
    return new Promise((resolve, reject) => {
      const t0 = Date.now();
      const tick = setInterval(() => {
        const e = this.proc.events.find((x) => x.event === name && x.callId === callId);
        if (e) {
          clearInterval(tick);
          return resolve(e as WindowEvent);
        }
        if (Date.now() - t0 > timeoutMs) {
          clearInterval(tick);
          reject(new Error(`window agent: no ${name} for ${callId} within ${timeoutMs} ms: ${this.proc.stderr.slice(-5).join(' | ')}`));
        }
      }, 10);
    });
  }

  stop(): Promise<void> {
    return this.proc.stop();
  }
}

/**
 * One "call": the callee opens first (as on OpenWindow), then the caller. Resolves with the
 * caller's outcome, plus `setupMs` = callee window + caller window.
 */
export async function windowTrial(callee: WindowAgent, caller: WindowAgent, n: number, holdMs?: number): Promise<WindowEvent & { setupMs?: number }> {
  const callId = `t${n}-${Date.now()}`;
  const [cl, cr] = [1000 + 2 * n, 1001 + 2 * n];
  const ce = await callee.window({ role: 'callee', callId, local: cl, remote: cr, peer: caller, holdMs });
  if (!ce.ok) return ce;
  const r = await caller.window({ role: 'caller', callId, local: cr, remote: cl, peer: callee });
  return { ...r, setupMs: r.ok ? ce.ms + r.ms : undefined };
}
