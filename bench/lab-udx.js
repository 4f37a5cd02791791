'use strict';
// Raw udx streams across the lab, the transport under payload-file with nothing on top: memory →
// memory, BYTES split evenly over N streams of one socket pair. Run inside a lab namespace by
// bench/file-lab.js; speaks NDJSON on stdout.
//   node lab-udx.js receive PORT N PEER_HOST PEER_PORT BYTES   → {"event":"ready"} … {"event":"done","bytes":…}
//   node lab-udx.js send    PORT N PEER_HOST PEER_PORT BYTES   → {"event":"ready"}; after "go" on stdin → {"event":"sent"}
// Stream ids: the receiver's are 1…N, the sender's 101…100+N.
const UDX = require('udx-native');
const readline = require('readline');

const [role, port, n, peerHost, peerPort, bytes] = process.argv.slice(2);
if (!['send', 'receive'].includes(role) || !(Number(n) >= 1) || !(Number(bytes) > 0)) {
  console.error('usage: node bench/lab-udx.js send|receive PORT N PEER_HOST PEER_PORT BYTES (run by bench/file-lab.js inside a lab namespace)');
  process.exit(2);
}
const N = Number(n);
const TOTAL = Number(bytes);
const WRITE = 64 * 1024;
const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const udx = new UDX();
const socket = udx.createSocket();
socket.bind(Number(port), '0.0.0.0');
socket.setRecvBufferSize(4 << 20);
socket.setSendBufferSize(4 << 20);
const [mine, theirs] = role === 'receive' ? [1, 101] : [101, 1];
const streams = Array.from({ length: N }, (_, i) => {
  const s = udx.createStream(mine + i);
  s.on('error', () => undefined); // the peer may drop its end first
  s.connect(socket, theirs + i, Number(peerPort), peerHost);
  return s;
});
const share = (i) => Math.floor(TOTAL / N) + (i < TOTAL % N ? 1 : 0);

if (role === 'receive') {
  let got = 0;
  for (const s of streams)
    s.on('data', (c) => {
      got += c.length;
      if (got === TOTAL) emit({ event: 'done', bytes: got });
    });
} else {
  const block = Buffer.alloc(WRITE, 0x5a);
  const pump = async (s, total) => {
    for (let sent = 0; sent < total; sent += WRITE) {
      if (!s.write(block.subarray(0, Math.min(WRITE, total - sent)))) await new Promise((r) => s.once('drain', r));
    }
  };
  readline.createInterface({ input: process.stdin }).once('line', async () => {
    await Promise.all(streams.map((s, i) => pump(s, share(i))));
    emit({ event: 'sent' });
  });
}
emit({ event: 'ready' });
