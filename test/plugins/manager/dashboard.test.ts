import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { chromium, type BrowserContext } from 'playwright-core';
import { createManager, createPeer, type Manager, type Peer } from 'pinhole';

const CHROMIUM = process.env.PINHOLE_CHROMIUM ?? '/usr/bin/chromium';

/** A request to the manager's port; the certificate is the manager's own self-signed one, pinned here by its key. */
function get(m: Manager, p: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const [host, port] = [m.address.replace(/:\d+$/, ''), Number(m.address.split(':').pop())];
  return new Promise((resolve, reject) => {
    const req = https.request({ host, port, path: p, method, headers, rejectUnauthorized: false, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('manager dashboard and /metrics (HTTP on the manager\'s TLS port), in a real browser', function () {
  this.timeout(60_000);
  let dir: string;
  let manager: Manager;
  const peers: Peer[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-dash-'));
    manager = await createManager();
  });
  after(async () => {
    for (const p of peers) await p.close();
    await manager.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const keys = (name: string) => ({ identity: path.join(dir, `${name}.pem`), knownPeers: path.join(dir, `${name}.known_peers`) });

  it('answers 401 to every request without the bearer token (a wrong one included), on every path', async () => {
    for (const p of ['/', '/metrics', '/api/status', '/nope'])
      for (const auth of [{}, { Authorization: 'Bearer wrong-token-of-some-length' }, { Authorization: `Basic ${manager.adminToken}` }] as Array<Record<string, string>>) {
        const r = await get(manager, p, auth);
        assert.equal(r.status, 401, `${p} ${JSON.stringify(auth)}`);
        assert.match(String(r.headers['www-authenticate']), /^Bearer/);
        assert.ok(!r.body.includes('"startedAt":'), 'no data without the token');
      }
    assert.equal((await get(manager, '/api/ticket', {}, 'POST')).status, 401);
  });

  it('serves /metrics in the Prometheus text format and /api/status as JSON with the token', async () => {
    const auth = { Authorization: `Bearer ${manager.adminToken}` };
    const m = await get(manager, '/metrics', auth);
    assert.equal(m.status, 200);
    assert.match(String(m.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    for (const name of ['pinhole_manager_peers', 'pinhole_manager_calls', 'pinhole_manager_call_setup_seconds_bucket', 'pinhole_manager_stun_requests_total', 'pinhole_manager_refusals_total', 'pinhole_manager_directory_up'])
      assert.match(m.body, new RegExp(`^# TYPE ${name.replace(/_bucket$/, '')} `, 'm'), name);
    assert.match(m.body, /^pinhole_manager_directory_up 1$/m, 'the directory is reachable');
    const s = JSON.parse((await get(manager, '/api/status', auth)).body);
    assert.deepEqual(s.directoryHealth, { up: true, outages: 0, failedOps: 0 });
    assert.ok(Array.isArray(s.peers) && Array.isArray(s.calls) && s.setup.bucketsMs.length > 0);
  });

  it('shows a call made during the test live, with its path and setup time, and removes it when it ends', async function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.log(`    skipping the browser check: no Chromium at ${CHROMIUM} (apt-get install chromium, or set PINHOLE_CHROMIUM)`);
      return this.skip();
    }
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-chromium-'));
    let browser: BrowserContext | undefined;
    try {
      // A fresh profile (--user-data-dir) per run. The manager's certificate is self-signed (peers
      // pin it): this test's browser context alone is told to accept it.
      browser = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        ignoreHTTPSErrors: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`${manager.dashboard}#token=${manager.adminToken}`);
      await page.waitForSelector('#main:not([hidden])');
      assert.equal(new URL(page.url()).hash, '', 'the token is taken out of the address bar');
      assert.ok(requests.every((u) => !u.includes(manager.adminToken)), 'the token is in no URL the page requested');

      const bob = await createPeer({ id: 'dash-bob', manager, allow: 'any', ...keys('dash-bob') });
      peers.push(bob);
      const alice = await createPeer({ id: 'dash-alice', manager, ...keys('dash-alice') });
      peers.push(alice);
      await page.waitForSelector('#peers tr[data-key="dash-bob"]');
      const call = await alice.call('dash-bob');
      const row = `#calls tr[data-key="dash-alice/${call.id}"]`;
      await page.waitForSelector(row);
      // The caller's report arrives right after the call is up: path, strategy and setup time.
      // (A locator, not waitForFunction: the page's CSP allows no eval — its own script only.)
      await page.locator(`${row} td:nth-child(4)`, { hasText: /^direct$/ }).waitFor();
      const cells = await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent));
      assert.deepEqual(cells.slice(0, 5), ['dash-alice', 'dash-bob', 'active', 'direct', 'null-udp']);
      assert.match(String(cells[5]), /^[\d.]+ ms$/, 'setup time as the caller measured it');
      assert.equal(cells[7], 'yes', 'encrypted');
      assert.match(await page.textContent('#counters') ?? '', /STUN requests/);
      const histogram = await page.$$eval('#setup tbody tr', (trs) => trs.map((tr) => Number(tr.children[1].textContent)));
      assert.equal(histogram.reduce((a, b) => a + b, 0), 1, 'the setup is in the histogram');

      await call.hangup('test over');
      await page.waitForSelector(row, { state: 'detached' });
      assert.equal(await page.textContent('#call-count'), '0');
    } finally {
      await browser?.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  });

  it('the live WebSocket takes only a fresh one-time ticket', async () => {
    const auth = { Authorization: `Bearer ${manager.adminToken}` };
    const { ticket } = JSON.parse((await get(manager, '/api/ticket', auth, 'POST')).body);
    const WebSocket = (await import('ws')).default;
    const open = (t: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`wss://${manager.address}/api/live?ticket=${t}`, { rejectUnauthorized: false });
        ws.once('open', () => (ws.close(), resolve(101)));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => resolve(0));
      });
    assert.equal(await open(ticket), 101);
    assert.equal(await open(ticket), 401, 'a ticket is good once');
    assert.equal(await open('made-up'), 401);
  });
});
