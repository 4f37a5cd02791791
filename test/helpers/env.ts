/**
 * Loaded by mocha before any test (.mocharc.json "require"): the suite and every process it
 * starts keep identity keys, known_peers and the manager's certificate in a throw-away
 * PINHOLE_HOME, never in the user's ~/.pinhole.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

if (!process.env.PINHOLE_TEST_HOME_KEEP) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-test-home-'));
  process.env.PINHOLE_HOME = home;
  process.on('exit', () => fs.rmSync(home, { recursive: true, force: true }));
}
