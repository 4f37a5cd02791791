import type { interfaces } from 'inversify';

/**
 * Collects every binding of a contribution symbol (Theia's ContributionProvider).
 * Resolved on each call so that plugins activated later are seen too.
 */
export interface ContributionProvider<T> {
  getContributions(): T[];
}

export function contributionProvider<T>(
  container: interfaces.Container,
  id: interfaces.ServiceIdentifier<T>,
): ContributionProvider<T> {
  return {
    getContributions: () => (container.isBound(id) ? container.getAll<T>(id) : []),
  };
}
