import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** The dashboard: one static HTML file with its script and style inline (no data in it; data comes over the authenticated WebSocket). */
export interface DashboardPage {
  html: Buffer;
  /** Allows exactly the page's own inline script and style, and connections to this origin. */
  csp: string;
}

const FILE = path.resolve(__dirname, '..', '..', 'static', 'dashboard.html');

let page: DashboardPage | undefined;

export function dashboardPage(): DashboardPage {
  if (page) return page;
  const text = fs.readFileSync(FILE, 'utf8');
  const hash = (tag: string) => {
    const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(text);
    return m ? `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'` : "'none'";
  };
  page = {
    html: Buffer.from(text, 'utf8'),
    csp: `default-src 'none'; script-src ${hash('script')}; style-src ${hash('style')}; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };
  return page;
}
