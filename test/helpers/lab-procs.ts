import * as path from 'path';
import { NdjsonProc, type Lab, type LabNodeName } from '@pinhole/lab';

export const PINHOLE_BIN = path.resolve(__dirname, '..', '..', '..', 'core', 'bin', 'pinhole.js');

/** Starts `pinhole ARGS --json` in a lab namespace; its NDJSON events are collected. */
export function startPinhole(lab: Lab, node: LabNodeName, args: string[]): NdjsonProc {
  return new NdjsonProc(lab.exec(node, [process.execPath, PINHOLE_BIN, ...args, '--json']));
}
