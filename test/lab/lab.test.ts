/**
 * The network lab on real namespaces: firewalls block, null packets open them, NATs map ports
 * as their kind says, impairments impair, and teardown leaves nothing behind.
 *
 * Hop count for the null packet (TTL 2 from host b): hb → rb forwards (TTL 2→1) → inet would
 * have to forward with TTL 1 and drops it (ICMP time exceeded). So it opens rb's conntrack
 * state but never reaches ra or host a. TTL 3 would reach ra's forward chain.
 */
import { strict as assert } from 'assert';
import { execFileSync, spawn } from 'child_process';
import { existsSync, readdirSync, readFileSync } from 'fs';
import { Lab, LabOptions, UdpAgent, checkLabPrerequisites, labDown, namespacesFor, runLabCli } from '@pinhole/lab';
import type { AgentStartOptions, RecvEvent } from '@pinhole/lab';
import { PINHOLE_BIN } from '../helpers/lab-procs';

// Per-process prefix: the whole suite may run twice at once (two terminals, CI + watch), and
// runs with the same prefix would tear down each other's labs. Stale ones are swept in before().
const PREFIX = `pht${process.pid}`;
const STALE_PREFIX_RE = /^pht(\d+)-(?:inet|ra|ha|rb|hb|wire)$/;
const NEGATIVE_WAIT_MS = 400; // how long we wait to be sure a datagram did not arrive

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
/** Running, i.e. neither gone nor a zombie waiting for its (re)parent to reap it. */
const isAlive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const leftoverNamespaces = (): string[] => namespacesFor(PREFIX).filter((n) => existsSync(`/run/netns/${n}`));
const echoOf = (e: RecvEvent | undefined): { echo: string; address: string; port: number } => {
  assert.ok(e, 'expected an echo reply');
  return JSON.parse(e.data) as { echo: string; address: string; port: number };
};

describe('lab: options', () => {
  it('rejects bad options before touching the system', async () => {
    await assert.rejects(Lab.up({ a: 'open', b: 'bogus' as never }), { code: 'E_LAB_OPTIONS' });
    await assert.rejects(Lab.up({ a: 'open', b: 'open', loss: 1001 }), { code: 'E_LAB_OPTIONS' });
    await assert.rejects(Lab.up({ a: 'open', b: 'open', prefix: 'Bad Prefix' }), { code: 'E_LAB_OPTIONS' });
  });
});

describe('lab: real network namespaces', function () {
  this.timeout(20000);
  let ready = false;
  const agents: UdpAgent[] = [];
  const agent = async (lab: Lab, node: Parameters<Lab['exec']>[0], opts: AgentStartOptions): Promise<UdpAgent> => {
    const a = await UdpAgent.start(lab, node, opts);
    agents.push(a);
    return a;
  };
  /** One lab per describe block; torn down even when a test fails. */
  const withLab = (opts: Omit<LabOptions, 'prefix'>): (() => Lab) => {
    let lab: Lab | undefined;
    before(async () => {
      lab = await Lab.up({ ...opts, prefix: PREFIX });
    });
    after(async () => {
      await lab?.down();
    });
    return () => lab!;
  };

  before(async function () {
    const pre = checkLabPrerequisites();
    if (!pre.ok) {
      console.log(`    lab suite skipped, the machine lacks: ${pre.missing.join('; ')}`);
      this.skip();
    }
    ready = true;
    // Labs of earlier runs of this suite whose process is gone (crashed, killed by a timeout).
    const stalePids = new Set((existsSync('/run/netns') ? readdirSync('/run/netns') : []).flatMap((n) => STALE_PREFIX_RE.exec(n)?.[1] ?? []));
    for (const pid of stalePids) if (!isAlive(Number(pid))) await labDown(`pht${pid}`);
  });
  afterEach(() => agents.splice(0).forEach((a) => a.close()));
  after(async () => {
    if (ready) await labDown(PREFIX);
  });

  describe('filter × filter', () => {
    const lab = withLab({ a: 'filter', b: 'filter' });

    it('blocks unsolicited datagrams; a TTL-2 null packet from b opens b’s firewall for a', async () => {
      const { a: A, b: B } = lab().nodes;
      const a = await agent(lab(), 'a', { port: 4001 });
      const b = await agent(lab(), 'b', { port: 4002 });

      const before = await lab().counters('rb');
      await a.send({ host: B.address, port: 4002, data: 'unsolicited' });
      assert.equal(await b.waitFor((e) => e.data === 'unsolicited', NEGATIVE_WAIT_MS), undefined, 'b must not get an unsolicited datagram');
      const blocked = await lab().counters('rb');
      assert.equal(blocked.fwd_drop, before.fwd_drop + 1, 'rb forward filter dropped exactly that datagram');

      // a's datagram above left state on ra for this flow, so if the null packet reached ra it
      // would be let through to a: its absence at a proves the TTL stopped it in between.
      await b.send({ host: A.address, port: 4001, size: 0, ttl: 2 });
      assert.equal(await a.waitFor((e) => e.size === 0, NEGATIVE_WAIT_MS), undefined, 'the null packet must die before site a');

      await a.send({ host: B.address, port: 4002, data: 'hello-b' });
      const atB = await b.waitFor((e) => e.data === 'hello-b');
      assert.ok(atB, 'after the null packet a reaches b');
      assert.deepEqual([atB.address, atB.port], [A.address, 4001]);
      await b.send({ host: A.address, port: 4001, data: 'hello-a' });
      assert.ok(await a.waitFor((e) => e.data === 'hello-a'), "b's reply reaches a");
      assert.equal((await lab().counters('rb')).fwd_drop, blocked.fwd_drop, 'nothing more was dropped');
    });
  });

  describe('nat × nat (port-preserving)', () => {
    const lab = withLab({ a: 'nat', b: 'nat' });

    it('punches through both NATs using public addresses; ports are preserved', async () => {
      const { ra, rb } = lab().nodes;
      const a = await agent(lab(), 'a', { port: 4101 });
      const b = await agent(lab(), 'b', { port: 4102 });

      const before = await lab().counters('rb');
      await a.send({ host: rb.address, port: 4102, data: 'unsolicited' });
      assert.equal(await b.waitFor((e) => e.data === 'unsolicited', NEGATIVE_WAIT_MS), undefined);
      // Addressed to rb's own WAN address and not a reply: the router's input chain drops it.
      assert.equal((await lab().counters('rb')).in_drop, before.in_drop + 1);

      await b.send({ host: ra.address, port: 4101, size: 0, ttl: 2 });
      assert.equal(await a.waitFor((e) => e.size === 0, NEGATIVE_WAIT_MS), undefined, 'the null packet must die before site a');

      await a.send({ host: rb.address, port: 4102, data: 'hello-b' });
      const atB = await b.waitFor((e) => e.data === 'hello-b');
      assert.ok(atB, 'after the null packet a reaches b through both NATs');
      assert.deepEqual([atB.address, atB.port], [ra.address, 4101], "a's public port equals its local port");
      await b.send({ host: ra.address, port: 4101, data: 'hello-a' });
      const atA = await a.waitFor((e) => e.data === 'hello-a');
      assert.ok(atA, "b's reply reaches a");
      assert.deepEqual([atA.address, atA.port], [rb.address, 4102], "b's public port equals its local port");
    });
  });

  describe('hardnat', () => {
    const lab = withLab({ a: 'hardnat', b: 'open' });

    it('maps the source port to a random one, per destination', async () => {
      const { manager, ra } = lab().nodes;
      await agent(lab(), 'manager', { port: 4300, echo: true });
      await agent(lab(), 'manager', { port: 4301, echo: true });
      const a = await agent(lab(), 'a', { port: 4302 });
      await a.send({ host: manager.address, port: 4300, data: 'x' });
      await a.send({ host: manager.address, port: 4301, data: 'y' });
      const seen1 = echoOf(await a.waitFor((e) => e.port === 4300));
      const seen2 = echoOf(await a.waitFor((e) => e.port === 4301));
      console.log(`      hardnat: local port 4302 seen by the manager as ${seen1.address}:${seen1.port} and ${seen2.address}:${seen2.port}`);
      assert.equal(seen1.address, ra.address);
      assert.notEqual(seen1.port, 4302);
      assert.notEqual(seen2.port, 4302);
      assert.notEqual(seen1.port, seen2.port, 'a new mapping per destination');
    });
  });

  describe('router input chain', () => {
    const lab = withLab({ a: 'nat', b: 'open' });

    it('keeps unsolicited packets to the router from spoiling port preservation (and shows why it is needed)', async () => {
      const { manager, ra } = lab().nodes;
      const mgr = await agent(lab(), 'manager', { port: 4200, echo: true });
      const probeThenConnect = async (port: number): Promise<{ mapped: number; conntrack: string[] }> => {
        await mgr.send({ host: ra.address, port, data: 'unsolicited' });
        await sleep(50);
        const conntrack = (await lab().conntrack('ra')).filter((l) => l.includes(`dport=${port} `));
        const a = await agent(lab(), 'a', { port });
        await a.send({ host: manager.address, port: 4200, data: 'hi' });
        return { mapped: echoOf(await a.waitFor((e) => e.port === 4200)).port, conntrack };
      };

      const before = await lab().counters('ra');
      const guarded = await probeThenConnect(4201);
      assert.equal((await lab().counters('ra')).in_drop, before.in_drop + 1, 'the unsolicited packet hit the input drop');
      assert.deepEqual(guarded.conntrack, [], 'and left no conntrack entry');
      assert.equal(guarded.mapped, 4201, 'so the later outbound flow keeps its port');

      // Control: without the input rules the same probe leaves an entry and the NAT must move the port.
      await lab().run('ra', ['nft', 'flush', 'chain', 'ip', 'pinhole', 'input']);
      const unguarded = await probeThenConnect(4202);
      assert.equal(unguarded.conntrack.length, 1, `the probe left a conntrack entry: ${unguarded.conntrack.join(' | ')}`);
      assert.notEqual(unguarded.mapped, 4202, 'the clash forces masquerade to pick another port');
    });
  });

  describe('loss 200‰', () => {
    const lab = withLab({ a: 'open', b: 'open', loss: 200 });

    it('drops roughly 20% of datagrams crossing one router', async () => {
      const sink = await agent(lab(), 'manager', { port: 4400, quiet: true });
      const a = await agent(lab(), 'a', { port: 4401 });
      await a.send({ host: lab().nodes.manager.address, port: 4400, count: 500, size: 100, rateMbit: 4 });
      await sleep(200);
      const lost = 500 - (await sink.stats()).count;
      console.log(`      loss: ${lost}/500 lost`);
      assert.ok(lost >= 50 && lost <= 150, `expected 10–30% loss, got ${lost}/500`);
      assert.equal((await lab().counters('ra')).loss_drop, lost, 'every lost datagram was dropped by the loss rule');
    });

    it('setLoss() changes the loss in place: 0 lets everything through, and it can be set again', async () => {
      const sink = await agent(lab(), 'manager', { port: 4410, quiet: true });
      const a = await agent(lab(), 'a', { port: 4411 });
      const send = async (): Promise<number> => {
        await sink.stats(true);
        await a.send({ host: lab().nodes.manager.address, port: 4410, count: 300, size: 100, rateMbit: 4 });
        await sleep(200);
        return 300 - (await sink.stats()).count;
      };
      await lab().setLoss(0);
      assert.equal(await send(), 0, 'no loss at 0‰');
      assert.equal((await Lab.attach(lab().prefix)).options.loss, 0, 'the new loss is recorded for other processes');
      await lab().setLoss(500);
      const lost = await send();
      assert.ok(lost >= 100 && lost <= 200, `expected ~50% loss, got ${lost}/300`);
      await lab().setLoss(200);
    });
  });

  describe('rate 2 Mbit/s', () => {
    const lab = withLab({ a: 'open', b: 'open', rateMbit: 2 });

    it('limits a 10 Mbit/s burst to about 2 Mbit/s', async () => {
      const sink = await agent(lab(), 'manager', { port: 4500, quiet: true });
      const a = await agent(lab(), 'a', { port: 4501 });
      const sent = 1000; // 1200 B each at 10 Mbit/s: ~1 s
      await a.send({ host: lab().nodes.manager.address, port: 4500, count: sent, size: 1200, rateMbit: 10 });
      await sleep(200);
      const st = await sink.stats();
      const mbit = (st.bytes * 8) / ((st.lastMs - st.firstMs) * 1000);
      console.log(`      rate: ${st.count}/${sent} datagrams arrived at ${mbit.toFixed(2)} Mbit/s`);
      assert.ok(mbit > 1.2 && mbit < 3, `expected ~2 Mbit/s, got ${mbit.toFixed(2)}`);
      assert.ok(st.count < sent * 0.4, 'most of the burst was shed');
    });
  });

  describe('delay 20 ms', () => {
    const lab = withLab({ a: 'open', b: 'open', delayMs: 20 });

    it('adds the delay on each WAN link: a↔manager RTT ≈ 40 ms, a↔b ≈ 80 ms', async () => {
      const { manager, b: B } = lab().nodes;
      await agent(lab(), 'manager', { port: 4600, echo: true });
      await agent(lab(), 'b', { port: 4601, echo: true });
      const a = await agent(lab(), 'a', { port: 4602 });
      const toManager = await a.ping(manager.address, 4600, 10);
      const toB = await a.ping(B.address, 4601, 5);
      const [m, bb] = [median(toManager.rtts), median(toB.rtts)];
      console.log(`      delay: median RTT a→manager ${m.toFixed(1)} ms, a→b ${bb.toFixed(1)} ms`);
      assert.equal(toManager.lost + toB.lost, 0);
      assert.ok(m >= 35 && m < 150, `a→manager RTT ${m}`);
      assert.ok(bb >= 75 && bb < 300, `a→b RTT ${bb}`);
    });
  });

  describe('delay 5 ms with 20‰ loss: TCP across the delay line', () => {
    const lab = withLab({ a: 'open', b: 'open', delayMs: 5, loss: 20 });
    const SIZE = 2 * 1024 * 1024;

    it('carries a TCP transfer intact, as wire packets only (no offload super-packets), one loss draw each', async () => {
      // Counters after the loss rule on ra: every TCP packet it let through, and any longer than the MTU.
      for (const [match, comment] of [['ip protocol tcp', 'tcp_kept'], ['meta length > 1500', 'over_mtu']]) {
        const res = await lab().run('ra', ['nft', 'add', 'rule', 'ip', 'pinhole', 'forward', ...match.split(' '), 'counter', 'comment', comment]);
        assert.equal(res.code, 0, res.stderr);
      }
      const server = lab().exec('b', [process.execPath, '-e', `require('net').createServer((s) => { const h = require('crypto').createHash('sha256'); s.on('data', (c) => h.update(c)); s.on('end', () => s.end(h.digest('hex'))); }).listen(4800, () => console.log('ready'))`]);
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('exit', (c) => reject(new Error(`server exited ${c}`)));
          server.stdout!.once('data', () => resolve());
        });
        const client = `const d = require('crypto').randomBytes(${SIZE}); const s = require('net').connect(4800, '${lab().nodes.b.address}', () => s.end(d)); let r = ''; s.on('data', (c) => (r += c)); s.on('end', () => console.log(JSON.stringify({ ok: r === require('crypto').createHash('sha256').update(d).digest('hex') })));`;
        const res = await lab().run('a', [process.execPath, '-e', client], { timeoutMs: 15000 });
        assert.equal(res.stdout.trim(), '{"ok":true}', `transfer: ${res.stdout} ${res.stderr}`);
      } finally {
        server.kill();
      }
      const chain = JSON.parse((await lab().run('ra', ['nft', '-j', 'list', 'chain', 'ip', 'pinhole', 'forward'])).stdout) as {
        nftables: Array<{ rule?: { comment?: string; expr: Array<{ counter?: { packets: number } }> } }>;
      };
      const count = (comment: string): number => chain.nftables.find((i) => i.rule?.comment === comment)!.rule!.expr.find((e) => e.counter)!.counter!.packets;
      const [kept, overMtu, lost] = [count('tcp_kept'), count('over_mtu'), (await lab().counters('ra')).loss_drop];
      console.log(`      tcp: ${kept} packets kept, ${lost} lost (${((100 * lost) / (kept + lost)).toFixed(1)} %), ${overMtu} over the MTU`);
      assert.equal(overMtu, 0, 'no packet longer than the MTU crossed the router');
      assert.ok(kept > SIZE / 1500, `the transfer crossed as wire packets (${kept} packets)`);
      assert.ok(lost > 0, 'the loss rule drew on them');
    });
  });

  describe('lifecycle', () => {
    it('down() removes namespaces, delay lines and state, and is idempotent', async () => {
      const lab = await Lab.up({ a: 'nat', b: 'filter', delayMs: 1, prefix: PREFIX });
      assert.equal(lab.pids.length, 2);
      assert.ok(lab.pids.every(isAlive));
      assert.equal((await Lab.status(PREFIX)).up, true);
      await lab.down();
      assert.deepEqual(leftoverNamespaces(), []);
      assert.ok(!lab.pids.some(isAlive), 'delay lines killed');
      assert.deepEqual(await Lab.status(PREFIX), { up: false });
      await lab.down();
      await assert.rejects(Lab.attach(PREFIX), { code: 'E_LAB_NOT_UP' });
    });

    it('up() recovers from a crashed run that left namespaces and delay lines behind', async () => {
      // A separate process brings a lab up and exits without down(), like a crash.
      const script = `require(${JSON.stringify(require.resolve('@pinhole/lab'))}).Lab.up({a:'open',b:'open',delayMs:1,prefix:'${PREFIX}'}).then(()=>process.exit(0),(e)=>{console.error(e);process.exit(1)})`;
      const code = await new Promise<number | null>((resolve) => spawn(process.execPath, ['-e', script], { stdio: 'inherit' }).on('exit', resolve));
      assert.equal(code, 0);
      const crashed = await Lab.attach(PREFIX); // another process can find it
      assert.ok(crashed.pids.length === 2 && crashed.pids.every(isAlive), 'the crashed run left delay lines');
      // And a stray process inside one of its namespaces.
      const stray = spawn('ip', ['netns', 'exec', `${PREFIX}-ha`, 'sleep', '60'], { detached: true, stdio: 'ignore' });
      stray.unref();
      await sleep(50);

      const lab = await Lab.up({ a: 'nat', b: 'nat', prefix: PREFIX });
      try {
        assert.ok(!crashed.pids.some(isAlive), 'old delay lines were killed');
        assert.ok(!isAlive(stray.pid!), 'the stray process was killed');
        assert.equal(lab.options.a, 'nat');
        const echo = await agent(lab, 'manager', { port: 4700, echo: true });
        const a = await agent(lab, 'a', { port: 4701 });
        const r = await a.ping(lab.nodes.manager.address, echo.port, 1);
        assert.equal(r.lost, 0, 'the new lab works');
      } finally {
        await lab.down();
      }
      assert.deepEqual(leftoverNamespaces(), []);
    });

    it('up() also clears namespaces left without any state file', async () => {
      const lab0 = await Lab.up({ a: 'open', b: 'open', prefix: PREFIX });
      await labDown(PREFIX);
      void lab0;
      await new Promise<void>((resolve, reject) =>
        spawn('ip', ['netns', 'add', `${PREFIX}-rb`]).on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`ip netns add exited ${c}`)))),
      );
      assert.deepEqual(await Lab.status(PREFIX), { up: false, problems: [`leftover namespaces without state: ${PREFIX}-rb`] });
      const lab = await Lab.up({ a: 'open', b: 'open', prefix: PREFIX });
      await lab.down();
      assert.deepEqual(leftoverNamespaces(), []);
    });
  });

  describe('cli', () => {
    it('up/status/exec/down with NDJSON events; exec passes the exit code through', async () => {
      const lines: string[] = [];
      const cli = (...argv: string[]): Promise<number> => runLabCli(argv, (l) => lines.push(l), true);
      assert.equal(await cli('up', '--a', 'filter', '--b', 'nat', '--loss', '0', '--prefix', PREFIX), 0);
      try {
        const upEvent = JSON.parse(lines[0]);
        assert.equal(upEvent.event, 'lab.up');
        assert.equal(upEvent.nodes.rb.address, '198.51.100.2');
        assert.equal(typeof upEvent.ms, 'number', 'lab.up reports how long it took (a figure, not a timed assertion: the machine may be loaded)');
        assert.equal(await cli('status', '--prefix', PREFIX), 0);
        assert.equal(JSON.parse(lines[1]).up, true);
        assert.equal(await cli('exec', 'a', '--prefix', PREFIX, '--', 'sh', '-c', 'exit 3'), 3);
        assert.deepEqual(JSON.parse(lines[2]), { event: 'lab.exec.exit', node: 'a', command: ['sh', '-c', 'exit 3'], code: 3 });
        await assert.rejects(cli('up', '--a', 'open'), (e: { code: string; message: string }) => e.code === 'E_USAGE' && /--b KIND is required/.test(e.message), 'usage error');
        // SIGINT to `pinhole lab exec` reaches the command in the namespace: nothing is left running there.
        const exec = spawn(process.execPath, [PINHOLE_BIN, 'lab', 'exec', 'a', '--prefix', PREFIX, '--', 'sleep', '60'], { stdio: 'ignore' });
        await new Promise((r) => setTimeout(r, 1500));
        exec.kill('SIGINT');
        const code = await new Promise<number | null>((resolve) => exec.on('exit', resolve));
        assert.equal(code, 130, 'interrupted: 128 + SIGINT');
        const left = execFileSync('ip', ['netns', 'pids', `${PREFIX}-ha`], { encoding: 'utf8' }).trim();
        assert.equal(left, '', `processes left in ${PREFIX}-ha: ${left}`);
      } finally {
        assert.equal(await cli('down', '--prefix', PREFIX), 0);
      }
      assert.equal(JSON.parse(lines[lines.length - 1]).event, 'lab.down');
    });

    it('without root, says what is missing and exits 1', async () => {
      const script = `require(${JSON.stringify(require.resolve('@pinhole/lab'))}).runLabCli(['up','--a','open','--b','open'],console.log,false).then((c)=>process.exit(c),(e)=>{console.log(e.code+': '+e.message);process.exit(1)})`;
      let out = '';
      const child = spawn(process.execPath, ['-e', script], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 1, out);
      assert.match(out, /E_LAB_PREREQUISITES: .*root: network namespaces need root/);
    });
  });
});
