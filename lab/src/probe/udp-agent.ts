/**
 * UDP probe run inside a lab namespace: `ip netns exec NS node udp-agent.js --port P [--echo] [--quiet]`.
 * One long-lived socket (hole punching needs the same port throughout), driven by
 * NDJSON commands on stdin, reporting NDJSON events on stdout:
 *   → {"id":1,"op":"send","host":"10.0.2.2","port":4000,"count":1,"size":0,"ttl":2}
 *   → {"id":2,"op":"ping","host":"198.51.100.254","port":7,"count":10}
 *   → {"id":3,"op":"stats","reset":true}
 *   ← {"event":"ready","address":"0.0.0.0","port":4000}
 *   ← {"event":"recv","address":"198.51.100.1","port":4000,"size":5,"data":"hello","t":123.4}
 *   ← {"event":"done","id":1,...result}
 * With --echo every datagram is answered with {"echo":data,"address":seen,"port":seen}:
 * the address and port the sender appears to have from here (its NAT mapping).
 */
import dgram from 'dgram';
import { performance } from 'perf_hooks';
import { createInterface } from 'readline';
import { parseArgs } from 'util';

interface Command {
  id: number;
  op: 'send' | 'ping' | 'stats';
  host?: string;
  port?: number;
  count?: number;
  size?: number;
  data?: string;
  ttl?: number;
  rateMbit?: number;
  timeoutMs?: number;
  reset?: boolean;
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    bind: { type: 'string', default: '0.0.0.0' },
    echo: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

const emit = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');
// An IPv6 bind address (e.g. ::) gets an IPv6 socket; :: is dual-stack.
const sock = dgram.createSocket(values.bind!.includes(':') ? 'udp6' : 'udp4');
const stats = { count: 0, bytes: 0, firstMs: 0, lastMs: 0 };
const pendingPings = new Map<string, (t: number) => void>();
const DEFAULT_TTL = 64;

sock.on('error', (err) => emit({ event: 'error', message: err.message }));
sock.on('message', (msg, rinfo) => {
  const t = performance.now();
  if (stats.count === 0) stats.firstMs = t;
  stats.count++;
  stats.bytes += msg.length;
  stats.lastMs = t;
  const data = msg.toString('utf8');
  const isEcho = data.startsWith('{"echo"');
  if (isEcho) pendingPings.get((JSON.parse(data) as { echo: string }).echo)?.(t);
  // Never echo an echo: two echo agents would ping-pong forever.
  if (values.echo && !isEcho) sock.send(JSON.stringify({ echo: data, address: rinfo.address, port: rinfo.port }), rinfo.port, rinfo.address);
  if (!values.quiet) emit({ event: 'recv', address: rinfo.address, port: rinfo.port, size: msg.length, data: data.slice(0, 512), t });
});

const sendOne = (buf: Buffer, port: number, host: string): Promise<void> =>
  new Promise((resolve) =>
    sock.send(buf, port, host, (err) => {
      if (err) emit({ event: 'error', message: err.message });
      resolve();
    }),
  );

async function send(cmd: Command): Promise<object> {
  const count = cmd.count ?? 1;
  const buf = cmd.data !== undefined ? Buffer.from(cmd.data) : Buffer.alloc(cmd.size ?? 0, 0x78);
  // The TTL applies when the datagram is written, which happens before the send callback.
  if (cmd.ttl) sock.setTTL(cmd.ttl);
  const start = performance.now();
  let sent = 0;
  try {
    while (sent < count) {
      if (cmd.rateMbit) {
        // Pace to the offered rate: never get ahead of rate × elapsed time.
        const allowed = ((performance.now() - start) * cmd.rateMbit * 1000) / 8;
        if (sent * buf.length > allowed) {
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
      }
      await sendOne(buf, cmd.port!, cmd.host!);
      sent++;
    }
  } finally {
    if (cmd.ttl) sock.setTTL(DEFAULT_TTL);
  }
  return { sent, ms: performance.now() - start };
}

async function ping(cmd: Command): Promise<object> {
  const rtts: number[] = [];
  let lost = 0;
  for (let seq = 0; seq < (cmd.count ?? 5); seq++) {
    const key = `ping:${cmd.id}:${seq}`;
    const t0 = performance.now();
    const rtt = await new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), cmd.timeoutMs ?? 1000);
      pendingPings.set(key, (t) => {
        clearTimeout(timer);
        resolve(t - t0);
      });
      void sendOne(Buffer.from(key), cmd.port!, cmd.host!);
    });
    pendingPings.delete(key);
    if (rtt === undefined) lost++;
    else rtts.push(rtt);
  }
  return { rtts, lost };
}

function takeStats(cmd: Command): object {
  const out = { ...stats };
  if (cmd.reset) Object.assign(stats, { count: 0, bytes: 0, firstMs: 0, lastMs: 0 });
  return out;
}

async function handle(line: string): Promise<void> {
  if (!line.trim()) return;
  let cmd: Command;
  try {
    cmd = JSON.parse(line) as Command;
  } catch {
    emit({ event: 'error', message: `bad command: ${line}` });
    return;
  }
  try {
    const result = cmd.op === 'send' ? await send(cmd) : cmd.op === 'ping' ? await ping(cmd) : takeStats(cmd);
    emit({ event: 'done', id: cmd.id, ...result });
  } catch (err) {
    emit({ event: 'done', id: cmd.id, error: (err as Error).message });
  }
}

sock.bind(Number(values.port), values.bind, () => {
  const a = sock.address();
  emit({ event: 'ready', address: a.address, port: a.port });
  // Commands run one at a time so a send and a later ping never interleave.
  let chain = Promise.resolve();
  createInterface({ input: process.stdin })
    .on('line', (line) => (chain = chain.then(() => handle(line))))
    .on('close', () => process.exit(0));
});
