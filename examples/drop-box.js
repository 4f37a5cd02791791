// A drop box: a peer that takes files from anyone into a folder, verified (SHA-256) and
// resumable; a sender drops files into it. Run: node examples/drop-box.js [FILE…]
// (Without FILEs it drops a generated one.)
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { createManager, createPeer } = require('pinhole');

async function main(files) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pinhole-dropbox-'));
  const inbox = path.join(work, 'inbox');
  fs.mkdirSync(inbox);
  if (!files || files.length === 0) {
    const sample = path.join(work, 'report.bin');
    fs.writeFileSync(sample, crypto.randomBytes(256 * 1024));
    files = [sample];
  }
  const key = (name) => ({ identity: path.join(work, `${name}.pem`), knownPeers: path.join(work, `${name}.known_peers`) });
  const manager = await createManager();
  const box = await createPeer({ id: 'drop-box', manager, allow: 'any', inbox, ...key('drop-box') });
  const sender = await createPeer({ id: 'sender', manager, ...key('sender') });
  try {
    const arrived = new Promise((resolve) => {
      const got = [];
      box.on('file', (f) => {
        console.log(`drop-box received ${f.name} (${f.bytes} bytes, hash ${f.hash.slice(0, 16)}…) from ${f.from} into ${path.relative(work, f.path)}`);
        if (got.push(f) === files.length) resolve(got);
      });
    });
    const sent = await sender.sendFile('drop-box', files);
    for (const s of sent) console.log(`sender sent ${s.name}: ${s.bytes} bytes at ${s.MBps.toFixed(1)} MB/s, verified by the receiver`);
    return await arrived;
  } finally {
    await sender.close();
    await box.close();
    await manager.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

module.exports = { main };
if (require.main === module) main(process.argv.slice(2)).catch((err) => {
  console.error(`drop-box: ${err.code ?? 'E_INTERNAL'}: ${err.message}`);
  process.exitCode = 1;
});
