import type * as http from 'http';
import type * as net from 'net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger, ManagerServer } from '@pinhole/core';
import type { AdminAuth } from './admin-auth';
import { dashboardPage } from './dashboard-page';
import type { ManagerMetrics } from './metrics';

/** Live updates are coalesced to at most one snapshot per this interval per viewer. */
const PUSH_MS = 100;
const MAX_VIEWERS = 32;

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export interface AdminHttpDeps {
  auth: AdminAuth;
  metrics: ManagerMetrics;
  manager: Pick<ManagerServer, 'snapshot' | 'onChange'>;
  log: Logger;
}

/**
 * The operator's side of the manager's port (HTTP on the same port as the control channel, inside
 * its TLS): the dashboard, /metrics, /api/status and the live WebSocket. Every request must carry
 * `Authorization: Bearer TOKEN` and gets 401 otherwise — the dashboard's 401 body is the page
 * itself, which holds no data and asks for the token; the live WebSocket takes a one-time ticket.
 */
export class AdminHttp {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024, perMessageDeflate: false });
  private readonly viewers = new Set<WebSocket>();

  constructor(private readonly d: AdminHttpDeps) {}

  /** Paths that upgrade to the live WebSocket (every other upgrade is a peer's control channel). */
  static isLivePath(url: string | undefined): boolean {
    return pathOf(url) === '/api/live';
  }

  request(req: http.IncomingMessage, res: http.ServerResponse): void {
    void this.serve(req, res).catch((err) => {
      this.d.log.warn('admin request failed', { path: pathOf(req.url), error: (err as Error).message });
      if (!res.headersSent) this.send(res, 500, 'text/plain', 'internal error; see the manager log\n');
      else res.destroy();
    });
  }

  upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const ticket = new URL(req.url ?? '/', 'http://x').searchParams.get('ticket');
    if (!this.d.auth.redeem(ticket)) return refuseUpgrade(socket, 401, 'a live view needs a ticket from POST /api/ticket (Authorization: Bearer TOKEN)');
    if (this.viewers.size >= MAX_VIEWERS) return refuseUpgrade(socket, 503, `at most ${MAX_VIEWERS} live viewers`);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.watch(ws));
  }

  close(): void {
    for (const ws of this.viewers) ws.terminate();
    this.wss.close();
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const route = `${req.method} ${pathOf(req.url)}`;
    if (!this.d.auth.authorized(req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="pinhole manager"');
      if (route === 'GET /') return this.page(res, 401);
      return this.send(res, 401, 'text/plain', 'this manager\'s operator API needs "Authorization: Bearer TOKEN" (the admin token manager.ready printed, or --admin-token)\n');
    }
    switch (route) {
      case 'GET /':
        return this.page(res, 200);
      case 'GET /metrics':
        return this.send(res, 200, this.d.metrics.contentType, await this.d.metrics.text());
      case 'GET /api/status':
        return this.send(res, 200, 'application/json', JSON.stringify(this.d.manager.snapshot()));
      case 'POST /api/ticket':
        return this.send(res, 200, 'application/json', JSON.stringify({ ticket: this.d.auth.ticket() }));
      default:
        return this.send(res, 404, 'text/plain', 'not found: GET /, /metrics, /api/status; POST /api/ticket; WebSocket /api/live\n');
    }
  }

  private page(res: http.ServerResponse, status: number): void {
    const p = dashboardPage();
    res.setHeader('Content-Security-Policy', p.csp);
    this.send(res, status, 'text/html; charset=utf-8', p.html);
  }

  private send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  /** Sends a snapshot now and after every change (at most one per PUSH_MS). */
  private watch(ws: WebSocket): void {
    this.viewers.add(ws);
    let timer: NodeJS.Timeout | undefined;
    const push = () => {
      timer = undefined;
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(this.d.manager.snapshot()));
    };
    const sub = this.d.manager.onChange(() => void (timer ??= setTimeout(push, PUSH_MS)));
    // Ages on the page move on even when nothing happens.
    const tick = setInterval(() => void (timer ??= setTimeout(push, 0)), 5000);
    ws.on('message', () => ws.close(1008, 'viewers only listen'));
    ws.on('error', () => undefined);
    ws.on('close', () => {
      this.viewers.delete(ws);
      sub.dispose();
      clearTimeout(timer);
      clearInterval(tick);
    });
    push();
  }
}

function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q < 0 ? u : u.slice(0, q);
}

function refuseUpgrade(socket: net.Socket, status: number, message: string): void {
  const reason = status === 401 ? 'Unauthorized' : 'Service Unavailable';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message) + 1}\r\n\r\n${message}\n`);
}
