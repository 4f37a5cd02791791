import { inject, injectable } from 'inversify';
import { Contributions, Logger, punchStrategiesFor, ServiceLoader } from '@pinhole/core';

/**
 * The punch strategies a call tries, picked through the `punchStrategies` contribution point:
 * every enabled plugin's declared strategies, ordered by their manifest `stage` (then name),
 * each plugin activated by `onPunch:<name>` before use. A strategy whose plugin fails to
 * activate is left out (and the failure logged); its plugin is then reported as failed.
 */
@injectable()
export class PunchStrategies {
  private readonly log: Logger;

  constructor(
    @inject(Contributions) private readonly contributions: Contributions,
    @inject(ServiceLoader) private readonly loader: ServiceLoader,
    @inject(Logger) log: Logger,
  ) {
    this.log = log.child('manager-client');
  }

  /** The strategies whose manifests say they relay (`relayed: true`): slow to prepare, the last resort. */
  relayed(): Set<string> {
    return new Set(punchStrategiesFor(this.contributions).filter((s) => s.relayed).map((s) => s.name));
  }

  async names(): Promise<string[]> {
    const declared = punchStrategiesFor(this.contributions);
    const ready: string[] = [];
    for (const s of declared) {
      try {
        await this.loader.activate(`onPunch:${s.name}`);
        ready.push(s.name);
      } catch (err) {
        this.log.warn(`punch strategy "${s.name}" of plugin "${s.pluginId}" is left out: ${(err as Error).message}`);
      }
    }
    return ready;
  }
}
