/** A transfer writing a partial file, which a newer offer of the same file may take over. */
export interface Claimant {
  /** Ends this transfer (keeping the part) and resolves once it no longer touches the file. */
  supersede(): Promise<void>;
}

/** Partial files being written in this process, by path: two calls never write one file at once. */
const claims = new Map<string, Claimant>();

/**
 * Claims `part` for `who`. A transfer already writing it is superseded first: the newest offer
 * wins, so a sender that restarts at once resumes without waiting for the old call to time out.
 */
export async function claim(part: string, who: Claimant): Promise<() => void> {
  for (let holder = claims.get(part); holder && holder !== who; holder = claims.get(part)) await holder.supersede();
  claims.set(part, who);
  return () => {
    if (claims.get(part) === who) claims.delete(part);
  };
}
