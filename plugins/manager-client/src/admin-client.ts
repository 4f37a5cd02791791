import * as http from 'http';
import * as net from 'net';
import * as tls from 'tls';
import { SignalError, type ManagerSnapshot } from '@pinhole/core';
import { checkTls, type ManagerTrust } from './client/connection';
import type { ManagerAddress } from './client/manager-address';

const MAX_BODY = 8 << 20;

/**
 * GET /api/status from the manager's operator API with the admin token, over the same TLS the
 * peers use and trusting the certificate the same way (CA, --manager-fingerprint, or the
 * known_peers pin). The certificate is checked before the token is sent.
 */
export async function fetchManagerStatus(addr: ManagerAddress, trust: ManagerTrust | undefined, token: string, timeoutMs: number): Promise<ManagerSnapshot> {
  const unreachable = (err: NodeJS.ErrnoException) => new SignalError('E_MANAGER_UNREACHABLE', `cannot reach the manager at ${addr.text}: ${err.code ?? err.message}; check the address and that it runs`);
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = addr.tls
      ? tls.connect({ host: addr.host, port: addr.port, servername: net.isIP(addr.host) ? undefined : addr.host, ca: trust?.ca, rejectUnauthorized: false })
      : net.connect(addr.port, addr.host);
    const timer = setTimeout(() => (s.destroy(), reject(new SignalError('E_MANAGER_TIMEOUT', `no connection to the manager at ${addr.text} within ${timeoutMs} ms`))), timeoutMs);
    s.once('error', (err) => (clearTimeout(timer), reject(unreachable(err))));
    s.once(addr.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      if (!addr.tls) return resolve(s);
      checkTls(s as tls.TLSSocket, addr, trust!).then(() => resolve(s), (err) => (s.destroy(), reject(err)));
    });
  });
  return new Promise((resolve, reject) => {
    const req = http.get({ createConnection: () => socket, host: addr.host, port: addr.port, path: '/api/status', headers: { Authorization: `Bearer ${token}`, Connection: 'close' }, timeout: timeoutMs });
    const fail = (err: Error) => {
      req.destroy();
      reject(err);
    };
    req.once('timeout', () => fail(new SignalError('E_MANAGER_TIMEOUT', `no answer from the manager at ${addr.text} within ${timeoutMs} ms`)));
    req.once('error', (err: NodeJS.ErrnoException) => reject(unreachable(err)));
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) fail(new SignalError('E_STATUS_TOO_LARGE', `the manager's status is over ${MAX_BODY} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        socket.destroy();
        if (res.statusCode === 401) return reject(new SignalError('E_ADMIN_TOKEN', `the manager at ${addr.text} refused the admin token; use the one its manager.ready printed (or its --admin-token)`));
        if (res.statusCode !== 200) return reject(new SignalError('E_STATUS_HTTP', `the manager answered HTTP ${res.statusCode} for /api/status; is it a Pinhole manager of this version?`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ManagerSnapshot);
        } catch {
          reject(new SignalError('E_STATUS_HTTP', 'the manager\'s /api/status is not JSON'));
        }
      });
    });
  });
}
