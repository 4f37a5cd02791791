'use strict';
// Wire codec speed: control message encode+decode and datagram header encode+decode, ops/s,
// each against a baseline measured in the same run (JSON round trip; a bare Buffer copy).
const { encodeControl, decodeControl, encodeDatagram, decodeDatagram, DatagramType } = require('@pinhole/core');
const { opsPerSec, medianOf, machine, fmt } = require('./lib');

const RUNS = Number(process.env.BENCH_RUNS || 5);
const msg = {
  openWindow: {
    callId: 'c-12345678',
    callerId: 'alice',
    callerCandidates: [
      { address: '198.51.100.7', port: 40123, kind: 1 },
      { address: '10.0.1.2', port: 5000, kind: 0 },
    ],
    callerEndpoint: 0x12345678,
    calleeEndpoint: 0x9abcdef0,
    payloadTypes: ['voice'],
  },
};
const payload = Buffer.alloc(160, 7); // one 20 ms G.711 frame

const rows = [
  ['control: protobuf encode+decode', () => decodeControl(encodeControl(msg))],
  ['control baseline: JSON stringify+parse', () => JSON.parse(JSON.stringify(msg))],
  ['datagram: header encode+decode (160 B payload)', () => decodeDatagram(encodeDatagram(DatagramType.DATA, 1, 2, payload))],
  ['datagram baseline: Buffer.concat(16 B + payload)', () => Buffer.concat([Buffer.allocUnsafe(16), payload])],
].map(([name, fn]) => [name, medianOf(RUNS, () => opsPerSec(fn))]);

console.log(`# wire bench — ${machine()} — median of ${RUNS} runs`);
for (const [name, ops] of rows) console.log(`${name.padEnd(52)} ${fmt(ops).padStart(9)} ops/s`);
console.log(`ratio control protobuf/JSON:     ${(rows[0][1] / rows[1][1]).toFixed(2)}`);
console.log(`ratio datagram codec/bare copy:  ${(rows[2][1] / rows[3][1]).toFixed(2)}`);
