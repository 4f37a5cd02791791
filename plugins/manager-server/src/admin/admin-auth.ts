import { createHash, randomBytes, timingSafeEqual } from 'crypto';

/** How long a WebSocket ticket is good for, and how many may be outstanding. */
const TICKET_MS = 30_000;
const MAX_TICKETS = 256;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * The operator's bearer token and the one-time tickets the dashboard opens its WebSocket with.
 *
 * A browser cannot put an Authorization header on a WebSocket, and a token in a URL ends up in
 * logs and histories. So the page — which holds the token in memory only — asks for a ticket with
 * `Authorization: Bearer TOKEN`, and opens the WebSocket with `?ticket=…`: a random value that is
 * good once, for 30 s, and worthless after; only its hash is kept here.
 */
export class AdminAuth {
  readonly token: string;
  /** True when no token was given and this one was made at start (manager.ready prints it). */
  readonly generated: boolean;
  private readonly tokenDigest: Buffer;
  private readonly tickets = new Map<string, number>();

  constructor(token?: string) {
    this.generated = token === undefined;
    this.token = token ?? randomBytes(24).toString('base64url');
    this.tokenDigest = digest(this.token);
  }

  /**
   * Whether an Authorization header carries the token. Both sides are hashed first, so the
   * comparison takes the same time whatever the length or the first differing byte.
   */
  authorized(header: string | undefined): boolean {
    const m = /^Bearer +(\S+)\s*$/i.exec(header ?? '');
    return timingSafeEqual(digest(m?.[1] ?? ''), this.tokenDigest) && !!m;
  }

  /** A fresh one-time ticket for the live WebSocket. */
  ticket(now = Date.now()): string {
    this.sweep(now);
    if (this.tickets.size >= MAX_TICKETS) this.tickets.delete(this.tickets.keys().next().value!);
    const t = randomBytes(24).toString('base64url');
    this.tickets.set(digest(t).toString('hex'), now + TICKET_MS);
    return t;
  }

  /** Takes a ticket: true once, if it was issued and has not expired. */
  redeem(ticket: string | null | undefined, now = Date.now()): boolean {
    if (!ticket || ticket.length > 64) return false;
    const k = digest(ticket).toString('hex');
    const until = this.tickets.get(k);
    this.tickets.delete(k);
    return until !== undefined && until > now;
  }

  private sweep(now: number): void {
    for (const [k, until] of this.tickets) if (until <= now) this.tickets.delete(k);
  }
}
