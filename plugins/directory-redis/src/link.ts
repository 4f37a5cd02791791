import type { EventEmitter } from 'events';
import Redis, { Cluster, type RedisOptions } from 'ioredis';
import { DirectoryError, type Logger } from '@pinhole/core';
import { BACKEND_NAME, type RedisDirectoryOptions } from './options';
import { defineScripts, type ScriptedClient } from './scripts';

/**
 * One manager node's connections to Redis (or a Redis Cluster): `cmd` for commands and scripts,
 * `sub` for its subscriptions (a subscribed connection can do nothing else). Both reconnect on
 * their own; commands issued meanwhile wait in ioredis' offline queue up to commandTimeoutMs.
 * An outage is logged once when it starts and once when it ends, never per command.
 */
export class RedisLink {
  private down?: { since: number; why: string };
  private closed = false;

  private constructor(
    readonly cmd: ScriptedClient,
    readonly sub: Redis | Cluster,
    readonly cluster: boolean,
    readonly where: string,
    private readonly log: Logger,
  ) {
    for (const [client, role] of [[events(cmd), 'commands'], [events(sub), 'subscriptions']] as const) {
      client.on('error', (err: Error) => this.failed(`${role}: ${describe(err)}`));
      client.on('close', () => this.failed(`${role}: connection closed`));
      client.on('ready', () => this.recovered());
    }
  }

  /** Connects both clients within connectTimeoutMs or fails with one line naming the address and the fix. */
  static async open(o: RedisDirectoryOptions, log: Logger): Promise<RedisLink> {
    const cluster = !!o.nodes?.length;
    const where = cluster ? `the Redis Cluster at ${o.nodes!.join(', ')}` : `Redis at ${redactUrl(o.url)}`;
    const base: RedisOptions = {
      lazyConnect: true,
      connectTimeout: o.connectTimeoutMs,
      commandTimeout: o.commandTimeoutMs,
      maxRetriesPerRequest: null, // commandTimeout bounds a command, not a retry count
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), o.reconnectMaxMs),
    };
    // Commands pipeline themselves (many peers' keep-alives share a round trip); the subscriber
    // needs no pipelining, and on a cluster it alone holds a sharded subscriber per master.
    const make = (role: 'cmd' | 'sub'): Redis | Cluster =>
      cluster
        ? new Cluster(o.nodes!.map(seed), {
            lazyConnect: true,
            redisOptions: base,
            shardedSubscribers: role === 'sub',
            enableAutoPipelining: role === 'cmd',
            clusterRetryStrategy: (times) => Math.min(100 * times, o.reconnectMaxMs),
            // A node restarting with its slots unchanged: reconnect to it rather than wait for MOVED.
            clusterNodeRetryStrategy: (times) => Math.min(100 * times, o.reconnectMaxMs),
          })
        : new Redis(o.url, { ...base, enableAutoPipelining: role === 'cmd' });
    const cmd = make('cmd');
    const sub = make('sub');
    let lastError: string | undefined; // the socket's error says more than connect()'s "Connection is closed"
    const note = (err: Error) => (lastError = describe(err));
    events(cmd).on('error', note);
    events(sub).on('error', note);
    try {
      await withDeadline(Promise.all([cmd.connect(), sub.connect()]), o.connectTimeoutMs);
      await withDeadline(cmd.ping(), o.connectTimeoutMs);
    } catch (err) {
      cmd.disconnect();
      sub.disconnect();
      const why = err instanceof DeadlineError ? `${lastError ?? 'no answer'} after ${o.connectTimeoutMs} ms` : (lastError ?? describe(err as Error));
      throw DirectoryError.UNREACHABLE(
        BACKEND_NAME,
        where,
        why,
        cluster
          ? 'start the cluster or fix plugins.manager-server.options.directoryOptions.nodes'
          : 'start redis-server or fix plugins.manager-server.options.directoryOptions.url',
      );
    } finally {
      events(cmd).off('error', note);
      events(sub).off('error', note);
    }
    return new RedisLink(defineScripts(cmd), sub, cluster, where, log);
  }

  /** A command failed: the start of an outage is logged once, with its reason. */
  failed(why: string): void {
    if (this.closed || this.down) return;
    this.down = { since: Date.now(), why };
    this.log.warn(`lost ${this.where}; reconnecting (registered peers stay until their expiry)`, { error: why });
  }

  /** A command succeeded or a client is ready again: the end of an outage is logged once. */
  recovered(): void {
    if (!this.down || this.closed) return;
    const downMs = Date.now() - this.down.since;
    this.down = undefined;
    this.log.warn(`${this.where} is back`, { downMs });
  }

  get healthy(): boolean {
    return !this.down;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([quit(this.cmd), quit(this.sub)]);
  }
}

async function quit(c: Redis | Cluster): Promise<void> {
  try {
    await withDeadline(c.quit(), 1000);
  } catch {
    c.disconnect(); // unreachable: drop the socket and stop reconnecting
  }
}

class DeadlineError extends Error {}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new DeadlineError('deadline')), ms))),
  ]).finally(() => clearTimeout(timer));
}

export function describe(err: Error): string {
  const e = err as NodeJS.ErrnoException & { lastNodeError?: Error };
  if (e.lastNodeError) return describe(e.lastNodeError);
  return e.code && !err.message.includes(e.code) ? `${e.code}: ${err.message}` : err.message;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** `HOST:PORT` or a redis:// URL as a cluster seed. */
function seed(text: string): { host: string; port: number } {
  const u = new URL(/^rediss?:\/\//.test(text) ? text : `redis://${text}`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 6379) };
}

/** Redis and Cluster are both EventEmitters; their typed overloads do not unite. */
export const events = (c: Redis | Cluster): EventEmitter => c as unknown as EventEmitter;
