import type { Candidate, DatagramSocket } from '@pinhole/core';
import type { BirthdayOptions } from './options';
import { RandomPorts } from './ports';

const TICK_MS = 5;

export interface Spray {
  /** Datagrams sent so far (known targets plus random ports). */
  readonly sent: number;
  /** Random ports tried so far. */
  readonly randomPorts: number;
  /** Settles once the first round to the known targets is on the wire. */
  readonly first: Promise<void>;
  /** A newly learned address of the peer: probed at once and from then on with the known targets. */
  addTarget(t: Candidate): void;
  stop(): void;
}

/**
 * Sends `datagram` from `socket`: to the known targets every probeIntervalMs, and — when
 * `randomize` — to distinct random ports of the first target's address, paced at
 * probesPerSecond (each probe is a new flow in our own NAT, so we do not flood it), up to
 * `probes` of them. Runs until stop().
 */
export function spray(socket: DatagramSocket, datagram: Buffer, initial: Candidate[], o: BirthdayOptions, randomize: boolean): Spray {
  const targets = [...initial];
  const state = { sent: 0, randomPorts: 0, stopped: false };
  const send = (port: number, address: string) => {
    state.sent++;
    return socket.send(datagram, port, address).catch(() => undefined);
  };
  const known = () => Promise.all(targets.map((t) => send(t.port, t.address)));
  const first = known().then(() => undefined);
  const every = setInterval(() => void known(), o.probeIntervalMs);
  let pacer: NodeJS.Timeout | undefined;
  if (randomize && targets.length) {
    const address = targets[0].address;
    const ports = new RandomPorts(o.portMin, o.portMax, new Set(targets.filter((t) => t.address === address).map((t) => t.port)));
    const started = Date.now();
    pacer = setInterval(() => {
      const due = Math.min(o.probes, Math.floor(((Date.now() - started + TICK_MS) * o.probesPerSecond) / 1000));
      while (state.randomPorts < due) {
        const port = ports.next();
        if (port === undefined) return clearInterval(pacer);
        state.randomPorts++;
        send(port, address);
      }
      if (state.randomPorts >= o.probes) clearInterval(pacer);
    }, TICK_MS);
  }
  return {
    get sent() {
      return state.sent;
    },
    get randomPorts() {
      return state.randomPorts;
    },
    first,
    addTarget(t) {
      if (targets.some((x) => x.address === t.address && x.port === t.port)) return;
      targets.push(t);
      void send(t.port, t.address);
    },
    stop() {
      clearInterval(every);
      clearInterval(pacer);
    },
  };
}
