import * as path from 'path';
import { peerFiles } from './peers';
import { NdjsonProc, type Lab, type LabNodeName } from '@pinhole/lab';

export const PINHOLE_BIN = path.resolve(__dirname, '..', '..', '..', 'core', 'bin', 'pinhole.js');

/** Starts `pinhole ARGS --json` in a lab namespace; its NDJSON events are collected. */
export function startPinhole(lab: Lab, node: LabNodeName, args: string[]): NdjsonProc {
  return new NdjsonProc(lab.exec(node, [process.execPath, PINHOLE_BIN, ...args, '--json']));
}

/** Flags giving a lab peer process its own identity and pins (under the suite's PINHOLE_HOME). */
export function identityArgs(id: string): string[] {
  const f = peerFiles(id);
  return ['--identity', f.identity, '--known-peers', f.knownPeers];
}
