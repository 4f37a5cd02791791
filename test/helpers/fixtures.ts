import * as path from 'path';
import { ContainerModule } from 'inversify';
import * as sinon from 'sinon';
import { createLogger } from '@pinhole/core';
import { Host, type HostOptions, type PinholeConfig } from '@pinhole/core/host';

export const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures');
export const PROBE = Symbol.for('pinhole.test.probe');

export interface Probe {
  activated: sinon.SinonSpy;
  disposed: sinon.SinonSpy;
  command: sinon.SinonSpy;
}

/** A host over one fixture folder only (no repository plugins), with a probe service bound. */
export function fixtureHost(set: string, config: PinholeConfig = {}, extra: Partial<HostOptions> = {}): { host: Host; probe: Probe; lines: string[] } {
  const lines: string[] = [];
  const probe: Probe = { activated: sinon.spy(), disposed: sinon.spy(), command: sinon.spy() };
  const host = new Host({
    builtinPlugins: false,
    pluginDirs: [path.join(FIXTURES, set)],
    config,
    log: createLogger({ json: true, level: 'debug', write: (l) => lines.push(l) }),
    modules: [new ContainerModule((bind) => void bind(PROBE).toConstantValue(probe))],
    ...extra,
  });
  return { host, probe, lines };
}
