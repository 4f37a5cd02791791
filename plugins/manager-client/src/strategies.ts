import { inject, injectable } from 'inversify';
import { Contributions, Logger, ServiceLoader } from '@pinhole/core';

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

  async names(): Promise<string[]> {
    const declared = [...this.contributions.of('punchStrategies')].sort((a, b) => (a.stage ?? 0) - (b.stage ?? 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
